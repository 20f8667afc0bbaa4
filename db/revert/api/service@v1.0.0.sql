-- Revert ai-orchestrator:api/service
BEGIN;
DROP FUNCTION api.stats_summary();
DROP FUNCTION api.health();
DROP FUNCTION api.service_info();
DROP FUNCTION orchestrator.deployed_change();
COMMIT;
