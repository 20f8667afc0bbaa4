-- Deploy ai-orchestrator:api/node_revision
-- requires: api/nodes@v1.0.0 data/revisions
-- api.node and api.node_item carry the node's revision (its ETag over HTTP); api/nodes fills it in.
BEGIN;
SET LOCAL ROLE aio_owner;

ALTER TYPE api.node ADD ATTRIBUTE revision bigint;
ALTER TYPE api.node_item ADD ATTRIBUTE revision bigint;

COMMIT;
