-- Verify ai-orchestrator:api/monitoring
SELECT 'api.monitoring_storage_usage_by_category()'::regprocedure,
       'api.monitoring_tool_usage_statistics(integer, text)'::regprocedure,
       'api.monitoring_data_integrity(integer, integer)'::regprocedure;
-- Storage and the data checks read the maintained tallies.
SELECT 1 / pg_catalog.strpos(pg_catalog.pg_get_functiondef('api.monitoring_storage_usage_by_category()'::regprocedure), 'artifact_tallies_now')::int;
SELECT 1 / pg_catalog.strpos(pg_catalog.pg_get_functiondef('api.monitoring_data_integrity(integer, integer)'::regprocedure), 'node_active_tools')::int;
