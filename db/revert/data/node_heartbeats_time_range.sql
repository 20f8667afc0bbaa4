-- Revert ai-orchestrator:data/node_heartbeats_time_range
BEGIN;
SET LOCAL ROLE aio_owner;
SET LOCAL lock_timeout = '2s';

ALTER TABLE orchestrator.node_heartbeats DROP CONSTRAINT node_heartbeats_time_range;

COMMIT;
