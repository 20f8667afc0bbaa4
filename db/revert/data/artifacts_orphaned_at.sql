-- Revert ai-orchestrator:data/artifacts_orphaned_at
BEGIN;
SET LOCAL ROLE aio_owner;
SET LOCAL lock_timeout = '5s';

DROP TRIGGER artifacts_mark_orphaned ON orchestrator.artifacts;
DROP FUNCTION orchestrator.mark_orphaned();
ALTER TABLE orchestrator.artifacts DROP COLUMN orphaned_at;

COMMIT;
