-- Revert ai-orchestrator:api/monitoring
BEGIN;
DROP FUNCTION api.monitoring_data_integrity(integer, integer);
DROP FUNCTION orchestrator.integrity_check(text, text, text[], text);
DROP FUNCTION orchestrator.integrity_check_counted(text, text, bigint, text[], text);
DROP TYPE api.integrity_check;
DROP FUNCTION api.monitoring_tool_usage_statistics(integer, text);
DROP TYPE api.tool_usage;
DROP FUNCTION api.monitoring_storage_usage_by_category();
DROP TYPE api.category_storage;
COMMIT;
