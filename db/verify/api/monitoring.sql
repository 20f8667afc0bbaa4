-- Verify ai-orchestrator:api/monitoring
SELECT 'api.monitoring_storage_usage_by_category()'::regprocedure,
       'api.monitoring_tool_usage_statistics(integer, text)'::regprocedure,
       'api.monitoring_data_integrity(integer, integer)'::regprocedure;
