-- Revert ai-orchestrator:roles
-- Roles are cluster-wide and other databases may still use them: leave them in place.
-- Only this database's grants on them are gone once the schemas are dropped.
BEGIN;
SELECT 1;
COMMIT;
