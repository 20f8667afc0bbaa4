-- Revert ai-orchestrator:data/tools_invocation_settings
BEGIN;
SET LOCAL ROLE aio_owner;
SET LOCAL lock_timeout = '2s';
ALTER TABLE orchestrator.tools
    DROP COLUMN lease_seconds,
    DROP COLUMN retry_output_invalid;
COMMIT;
