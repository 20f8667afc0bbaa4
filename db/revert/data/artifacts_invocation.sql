-- Revert ai-orchestrator:data/artifacts_invocation
BEGIN;
SET LOCAL ROLE aio_owner;
SET LOCAL lock_timeout = '2s';
DROP TABLE orchestrator.invocation_input_artifacts;
ALTER TABLE orchestrator.artifacts DROP COLUMN invocation_id;
COMMIT;
