-- Verify ai-orchestrator:api/artifacts
SELECT 'api.artifact_create(text, text, uuid, uuid, text, bigint, text, jsonb)'::regprocedure,
       'api.artifact_get(uuid)'::regprocedure,
       'api.artifact_list(uuid, uuid, text, timestamptz, timestamptz, integer, text)'::regprocedure,
       'api.artifact_list_by_tool(uuid, integer, text)'::regprocedure,
       'api.artifact_list_large(bigint, integer, text)'::regprocedure;
SELECT 1 / pg_catalog.has_function_privilege('aio_api', 'api.artifact_get(uuid)', 'EXECUTE')::int;
-- Checks by name where a later rework changed the signature: verify runs against the current state.
SELECT 1 / count(*) FROM pg_catalog.pg_proc WHERE pronamespace = 'api'::regnamespace AND proname = 'artifact_delete';
