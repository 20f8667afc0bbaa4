-- Verify ai-orchestrator:api/tools
SELECT 'api.tool_create(text, text, text, text, jsonb, jsonb, uuid, text, jsonb, text[])'::regprocedure,
       'api.tool_get(uuid)'::regprocedure,
       'api.tool_get_by_name(text, text)'::regprocedure,
       'api.tool_list(text, text, uuid, text, integer, text)'::regprocedure,
       'api.tool_update(uuid, jsonb, bigint)'::regprocedure,
       'api.tool_delete(uuid, bigint)'::regprocedure,
       'api.tool_tag_add(uuid, text)'::regprocedure,
       'api.tool_tag_remove(uuid, text)'::regprocedure;
SELECT 1 / pg_catalog.has_function_privilege('aio_writer', 'api.tool_update(uuid, jsonb, bigint)', 'EXECUTE')::int;
SELECT (NULL::api.tool).revision, (NULL::api.tool_item).revision;
SELECT 1 / pg_catalog.strpos(pg_catalog.pg_get_functiondef('orchestrator.tool_page(integer, text, text, text, uuid, text, text, text, text)'::regprocedure), 'k.tool_name')::int;
SELECT 1 / (p.prolang = (SELECT oid FROM pg_catalog.pg_language WHERE lanname = 'plpgsql'))::int
FROM pg_catalog.pg_proc p WHERE p.oid = 'orchestrator.tool_out(orchestrator.tools)'::regprocedure;
SELECT 'orchestrator.tool_tag_array(uuid)'::regprocedure;
