-- Verify ai-orchestrator:api/artifacts_batch
SELECT 'api.artifact_create_batch(jsonb)'::regprocedure;
SELECT 1 / pg_catalog.has_function_privilege('aio_writer', 'api.artifact_create_batch(jsonb)', 'EXECUTE')::int;
SELECT 1 / pg_catalog.has_function_privilege('aio_node', 'api.artifact_create_batch(jsonb)', 'EXECUTE')::int;
SELECT 1 / (NOT pg_catalog.has_function_privilege('aio_reader', 'api.artifact_create_batch(jsonb)', 'EXECUTE'))::int;
-- Items are checked one by one only when the insert fails; 3.0 is the whole number 3.
SELECT 1 / pg_catalog.strpos(pg_catalog.pg_get_functiondef('api.artifact_create_batch(jsonb)'::regprocedure), 'fast_failed')::int;
SELECT 1 / pg_catalog.strpos(pg_catalog.pg_get_functiondef('api.artifact_create_batch(jsonb)'::regprocedure), 'pg_catalog.trunc(')::int;
