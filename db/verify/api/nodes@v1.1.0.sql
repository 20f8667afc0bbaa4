-- Verify ai-orchestrator:api/nodes
SELECT 'api.node_create(text, text, text, text, jsonb, jsonb)'::regprocedure,
       'api.node_get(uuid)'::regprocedure,
       'api.node_list(text, text, integer, text)'::regprocedure,
       'api.node_list_by_type(text, integer, text)'::regprocedure,
       'api.node_list_active(integer, text)'::regprocedure,
       'api.node_update(uuid, jsonb, bigint)'::regprocedure,
       'api.node_delete(uuid, bigint)'::regprocedure;
SELECT 1 / pg_catalog.has_function_privilege('aio_writer', 'api.node_update(uuid, jsonb, bigint)', 'EXECUTE')::int;
SELECT (NULL::api.node).revision, (NULL::api.node_item).revision;
