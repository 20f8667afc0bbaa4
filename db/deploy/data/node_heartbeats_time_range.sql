-- Deploy ai-orchestrator:data/node_heartbeats_time_range
-- requires: data/node_heartbeats
-- A heartbeat time is a real moment: finite, and at most a day ahead of this server's clock (a
-- beat is stamped with now(); only a hand-written row can be ahead). Within that day, a time more
-- than 5 minutes ahead is reported by the integrity check heartbeats_from_the_future.
-- node_heartbeats holds one narrow row per node: the check scans it once.
BEGIN;
SET LOCAL ROLE aio_owner;
SET LOCAL lock_timeout = '2s';

-- Validated at once: the table holds one narrow row per node.
-- squawk-ignore constraint-missing-not-valid
ALTER TABLE orchestrator.node_heartbeats ADD CONSTRAINT node_heartbeats_time_range
    CHECK (isfinite(last_heartbeat_at) AND last_heartbeat_at <= now() + interval '1 day');
COMMENT ON CONSTRAINT node_heartbeats_time_range ON orchestrator.node_heartbeats IS
    'last_heartbeat_at: must be a finite time at most a day ahead of the server clock';

COMMIT;
