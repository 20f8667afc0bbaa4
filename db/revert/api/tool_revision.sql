-- Revert ai-orchestrator:api/tool_revision
BEGIN;
SET LOCAL ROLE aio_owner;

ALTER TYPE api.tool_item DROP ATTRIBUTE revision;
ALTER TYPE api.tool DROP ATTRIBUTE revision;

COMMIT;
