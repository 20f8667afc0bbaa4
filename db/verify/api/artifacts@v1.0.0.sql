-- Verify ai-orchestrator:api/artifacts
SELECT 'api.artifact_create(text, text, uuid, uuid, text, bigint, text, jsonb)'::regprocedure,
       'api.artifact_get(uuid)'::regprocedure,
       'api.artifact_list(uuid, uuid, text, timestamptz, timestamptz, integer, text)'::regprocedure,
       'api.artifact_list_by_tool(uuid, integer, text)'::regprocedure,
       'api.artifact_list_large(bigint, integer, text)'::regprocedure,
       'api.artifact_delete(uuid)'::regprocedure;
SELECT 1 / pg_catalog.has_function_privilege('aio_api', 'api.artifact_get(uuid)', 'EXECUTE')::int;
