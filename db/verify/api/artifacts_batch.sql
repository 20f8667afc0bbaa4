-- Verify ai-orchestrator:api/artifacts_batch
SELECT 'api.artifact_create_batch(jsonb)'::regprocedure;
SELECT 1 / pg_catalog.has_function_privilege('aio_writer', 'api.artifact_create_batch(jsonb)', 'EXECUTE')::int;
SELECT 1 / pg_catalog.has_function_privilege('aio_node', 'api.artifact_create_batch(jsonb)', 'EXECUTE')::int;
SELECT 1 / (NOT pg_catalog.has_function_privilege('aio_reader', 'api.artifact_create_batch(jsonb)', 'EXECUTE'))::int;
