-- Verify ai-orchestrator:api/stats_sample
SELECT 1 / pg_catalog.strpos(pg_catalog.pg_get_functiondef('api.stats_summary()'::regprocedure), 'REPEATABLE')::int;
