-- Verify ai-orchestrator:api/artifacts_batch_insert_first
SELECT 1 / pg_catalog.strpos(pg_catalog.pg_get_functiondef('api.artifact_create_batch(jsonb)'::regprocedure), 'fast_failed')::int;
