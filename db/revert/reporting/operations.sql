-- Revert ai-orchestrator:reporting/operations
BEGIN;
REVOKE EXECUTE ON FUNCTION orchestrator.node_health(text, timestamptz, interval, interval) FROM aio_bi;
DROP VIEW reporting.tool_usage;
DROP VIEW reporting.storage_by_category;
DROP MATERIALIZED VIEW reporting.artifacts_by_day;
DROP VIEW reporting.node_health;
COMMIT;
