-- Verify ai-orchestrator:api/artifacts_batch_whole_numbers
SELECT 1 / pg_catalog.strpos(pg_catalog.pg_get_functiondef('api.artifact_create_batch(jsonb)'::regprocedure), 'pg_catalog.trunc(')::int;
