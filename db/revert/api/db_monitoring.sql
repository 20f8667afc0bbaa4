-- Revert ai-orchestrator:api/db_monitoring
BEGIN;
DROP FUNCTION api.monitoring_db_slow_statements(integer);
DROP FUNCTION api.monitoring_db_vacuum_status();
DROP FUNCTION api.monitoring_db_lock_waits();
DROP FUNCTION api.monitoring_db_long_running_queries(integer);
DROP FUNCTION api.monitoring_db_cache_hit_ratio();
DROP FUNCTION api.monitoring_db_index_usage(boolean);
DROP FUNCTION api.monitoring_db_table_sizes();
DROP FUNCTION orchestrator.hit_ratio(bigint, bigint);
DROP FUNCTION orchestrator.redact_query(text);
COMMIT;
