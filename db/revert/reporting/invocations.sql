-- Revert ai-orchestrator:reporting/invocations
BEGIN;
SET LOCAL ROLE aio_owner;
DROP VIEW reporting.invocation_attempts;
DROP VIEW reporting.invocations;
COMMIT;
