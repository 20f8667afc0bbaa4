-- Revert ai-orchestrator:data/artifacts
BEGIN;
DROP TABLE orchestrator.artifacts;
COMMIT;
