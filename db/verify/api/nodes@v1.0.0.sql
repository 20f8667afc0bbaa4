-- Verify ai-orchestrator:api/nodes
SELECT 'api.node_create(text, text, text, text, jsonb, jsonb)'::regprocedure,
       'api.node_get(uuid)'::regprocedure,
       'api.node_list(text, text, integer, text)'::regprocedure,
       'api.node_list_by_type(text, integer, text)'::regprocedure,
       'api.node_list_active(integer, text)'::regprocedure;
SELECT 1 / pg_catalog.has_function_privilege('aio_api', 'api.node_get(uuid)', 'EXECUTE')::int;
-- Checks by name where a later rework changed the signature: verify runs against the current state.
SELECT 1 / count(*) FROM pg_catalog.pg_proc WHERE pronamespace = 'api'::regnamespace AND proname = 'node_update';
SELECT 1 / count(*) FROM pg_catalog.pg_proc WHERE pronamespace = 'api'::regnamespace AND proname = 'node_delete';
