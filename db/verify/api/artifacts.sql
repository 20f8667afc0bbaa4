-- Verify ai-orchestrator:api/artifacts
SELECT 'api.artifact_create(text, text, uuid, uuid, text, bigint, text, jsonb)'::regprocedure,
       'api.artifact_get(uuid)'::regprocedure,
       'api.artifact_list(uuid, uuid, text, timestamptz, timestamptz, integer, text)'::regprocedure,
       'api.artifact_list_by_tool(uuid, integer, text)'::regprocedure,
       'api.artifact_list_large(bigint, integer, text)'::regprocedure,
       'api.artifact_delete(uuid, bigint)'::regprocedure;
SELECT 1 / pg_catalog.has_function_privilege('aio_writer', 'api.artifact_delete(uuid, bigint)', 'EXECUTE')::int;
SELECT (NULL::api.artifact).revision, (NULL::api.artifact_item).revision;
