-- Deploy ai-orchestrator:api/tool_revision
-- requires: api/tools@v1.0.0 data/revisions
-- api.tool and api.tool_item carry the tool's revision (its ETag over HTTP); api/tools fills it in.
BEGIN;
SET LOCAL ROLE aio_owner;

ALTER TYPE api.tool ADD ATTRIBUTE revision bigint;
ALTER TYPE api.tool_item ADD ATTRIBUTE revision bigint;

COMMIT;
