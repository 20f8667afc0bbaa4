-- Verify ai-orchestrator:api/tools
SELECT 'api.tool_create(text, text, text, text, jsonb, jsonb, uuid, text, jsonb, text[])'::regprocedure,
       'api.tool_get(uuid)'::regprocedure,
       'api.tool_get_by_name(text, text)'::regprocedure,
       'api.tool_list(text, text, uuid, text, integer, text)'::regprocedure,
       'api.tool_list_active(integer, text)'::regprocedure,
       'api.tool_list_by_category(text, integer, text)'::regprocedure,
       'api.tool_versions(text, integer, text)'::regprocedure,
       'api.tool_search_by_tag(text, integer, text)'::regprocedure,
       'api.tool_update(uuid, jsonb)'::regprocedure,
       'api.tool_delete(uuid)'::regprocedure,
       'api.tool_tag_add(uuid, text)'::regprocedure,
       'api.tool_tag_remove(uuid, text)'::regprocedure;
SELECT 1 / pg_catalog.has_function_privilege('aio_api', 'api.tool_get(uuid)', 'EXECUTE')::int;
