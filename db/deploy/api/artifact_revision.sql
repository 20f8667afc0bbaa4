-- Deploy ai-orchestrator:api/artifact_revision
-- requires: api/artifacts@v1.0.0 data/revisions
-- api.artifact and api.artifact_item carry the artifact's revision (its ETag over HTTP); api/artifacts fills it in.
BEGIN;
SET LOCAL ROLE aio_owner;

ALTER TYPE api.artifact ADD ATTRIBUTE revision bigint;
ALTER TYPE api.artifact_item ADD ATTRIBUTE revision bigint;

COMMIT;
