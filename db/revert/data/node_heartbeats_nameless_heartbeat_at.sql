-- Revert ai-orchestrator:data/node_heartbeats_nameless_heartbeat_at
BEGIN;
SET LOCAL ROLE aio_owner;
SET LOCAL lock_timeout = '5s';

ALTER TABLE orchestrator.node_heartbeats DROP COLUMN nameless_heartbeat_at;

COMMIT;
