-- Revert ai-orchestrator:api/nodes to v1.1.0: last_heartbeat a SQL function, as released.
BEGIN;
SET LOCAL ROLE aio_owner;

CREATE OR REPLACE FUNCTION orchestrator.last_heartbeat(node_id uuid) RETURNS timestamptz
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT h.last_heartbeat_at FROM orchestrator.node_heartbeats h WHERE h.node_id = last_heartbeat.node_id
$$;

COMMIT;
