-- Verify ai-orchestrator:api/db_monitoring
SELECT 'api.monitoring_db_table_sizes()'::regprocedure,
       'api.monitoring_db_index_usage(boolean)'::regprocedure,
       'api.monitoring_db_cache_hit_ratio()'::regprocedure,
       'api.monitoring_db_long_running_queries(integer)'::regprocedure,
       'api.monitoring_db_lock_waits()'::regprocedure,
       'api.monitoring_db_vacuum_status()'::regprocedure,
       'api.monitoring_db_slow_statements(integer)'::regprocedure,
       'orchestrator.hit_ratio(bigint, bigint)'::regprocedure,
       'orchestrator.redact_query(text)'::regprocedure;
SELECT 1 / pg_catalog.has_function_privilege('aio_api', 'api.monitoring_db_slow_statements(integer)', 'EXECUTE')::int;
