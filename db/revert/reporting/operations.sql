-- Revert ai-orchestrator:reporting/operations
BEGIN;
DROP FUNCTION api.maintenance_refresh_reporting();
DROP TYPE api.refreshed_view;
DROP VIEW reporting.tool_usage;
DROP VIEW reporting.storage_by_category;
DROP MATERIALIZED VIEW reporting.artifacts_by_day;
DROP VIEW reporting.node_health;
COMMIT;
