-- Deploy ai-orchestrator:data/node_heartbeats_nameless_heartbeat_at
-- requires: data/node_heartbeats
-- An attempt claimed without an agent name lives on the beats sent without one, not on every beat
-- of its node: a named agent serving the same node neither keeps it alive nor ends it.
BEGIN;
SET LOCAL ROLE aio_owner;
SET LOCAL lock_timeout = '5s';

ALTER TABLE orchestrator.node_heartbeats ADD COLUMN nameless_heartbeat_at timestamptz;
COMMENT ON COLUMN orchestrator.node_heartbeats.nameless_heartbeat_at IS
    'When the node last beat without an agent name (api.node_heartbeat without agent): the leases of the attempts claimed without one end lease after it. NULL when it never did.';

COMMIT;
