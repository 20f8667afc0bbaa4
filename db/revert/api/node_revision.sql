-- Revert ai-orchestrator:api/node_revision
BEGIN;
SET LOCAL ROLE aio_owner;

ALTER TYPE api.node_item DROP ATTRIBUTE revision;
ALTER TYPE api.node DROP ATTRIBUTE revision;

COMMIT;
