-- Revert ai-orchestrator:api/artifact_revision
BEGIN;
SET LOCAL ROLE aio_owner;

ALTER TYPE api.artifact_item DROP ATTRIBUTE revision;
ALTER TYPE api.artifact DROP ATTRIBUTE revision;

COMMIT;
