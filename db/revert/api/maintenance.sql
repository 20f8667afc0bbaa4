-- Revert ai-orchestrator:api/maintenance
BEGIN;
DROP FUNCTION api.maintenance_purge_idempotency_keys(integer);
DROP FUNCTION api.maintenance_refresh_reporting();
DROP TYPE api.refreshed_view;
DROP FUNCTION api.maintenance_tools_without_nodes(integer, text);
DROP TYPE api.tool_without_node;
DROP FUNCTION api.maintenance_update_tool_status(boolean, integer, integer);
DROP TYPE api.tool_status_change;
DROP FUNCTION api.maintenance_cleanup_orphaned_artifacts(integer, boolean, integer);
DROP TYPE api.cleanup_result;
COMMIT;
