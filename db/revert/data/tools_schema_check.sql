-- Revert ai-orchestrator:data/tools_schema_check
BEGIN;
SET LOCAL ROLE aio_owner;
SET LOCAL lock_timeout = '2s';

DROP TRIGGER tools_schema_check_insert ON orchestrator.tools;
DROP TRIGGER tools_schema_check_update ON orchestrator.tools;
DROP FUNCTION orchestrator.tools_schema_check();

COMMIT;
