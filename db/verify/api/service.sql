-- Verify ai-orchestrator:api/service
SELECT 'api.service_info()'::regprocedure, 'api.health()'::regprocedure, 'api.stats_summary()'::regprocedure;
SELECT 1 / (pg_catalog.obj_description('api.health()'::regprocedure, 'pg_proc') LIKE '%Route: GET /ready')::int;
SELECT estimated FROM api.stats_summary() WHERE false;
SELECT 1 / pg_catalog.strpos(pg_catalog.pg_get_functiondef('api.stats_summary()'::regprocedure), 'REPEATABLE')::int;
