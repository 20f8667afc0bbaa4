-- Revert ai-orchestrator:api/artifacts_batch
BEGIN;
DROP FUNCTION api.artifact_create_batch(jsonb);
COMMIT;
