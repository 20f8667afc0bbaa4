-- Verify ai-orchestrator:api/service
SELECT 'api.service_info()'::regprocedure, 'api.health()'::regprocedure, 'api.stats_summary()'::regprocedure;
SELECT 1 / pg_catalog.has_function_privilege('aio_api', 'api.health()', 'EXECUTE')::int;
