-- Revert ai-orchestrator:api/heartbeats to v1.1.0: the heartbeat as released, without
-- running_invocation_ids, cancel_invocation_ids and lost_invocation_ids, and no list of agents.
BEGIN;
SET LOCAL ROLE aio_owner;

DROP FUNCTION api.node_heartbeat(uuid, text, jsonb, uuid[], text);
DROP FUNCTION api.node_agent_list(uuid);
DROP TYPE api.node_agent;

-- The released function first (it builds the released row), then the type loses its attributes.
-- Bodies are checked against the type only after it changed.
SET LOCAL check_function_bodies = off;
-- A beat runs at every node's pulse, so it is kept to one transaction id and one small WAL
-- record: no EXCEPTION block (a subtransaction takes an xid of its own), so load is checked
-- before the write with the words of its CHECK; an UPDATE first, because INSERT ... ON CONFLICT
-- locks the existing row (one more WAL record) before it updates it.
CREATE FUNCTION api.node_heartbeat(node_id uuid, status text DEFAULT NULL, load jsonb DEFAULT '{}')
RETURNS api.node_beat
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
    beat orchestrator.node_heartbeats;
    beat_load jsonb := coalesce(node_heartbeat.load, '{}');
    node_status text;
BEGIN
    PERFORM orchestrator.check_enum('status', node_heartbeat.status, orchestrator.node_statuses());
    IF pg_catalog.jsonb_typeof(beat_load) <> 'object' OR pg_catalog.pg_column_size(beat_load) > 4096 THEN
        RAISE EXCEPTION 'load: must be a JSON object of at most 4 kB'
            USING ERRCODE = 'check_violation', COLUMN = 'load', CONSTRAINT = 'node_heartbeats_load_format';
    END IF;
    UPDATE orchestrator.node_heartbeats h
    SET last_heartbeat_at = pg_catalog.now(), load = beat_load, beat_count = h.beat_count + 1
    WHERE h.node_id = node_heartbeat.node_id
    RETURNING * INTO beat;
    IF NOT FOUND THEN
        -- The first beat; ON CONFLICT covers two first beats at once.
        INSERT INTO orchestrator.node_heartbeats AS h (node_id, last_heartbeat_at, load)
        SELECT n.node_id, pg_catalog.now(), beat_load
        FROM orchestrator.nodes n WHERE n.node_id = node_heartbeat.node_id
        ON CONFLICT ON CONSTRAINT node_heartbeats_pkey DO UPDATE
            SET last_heartbeat_at = excluded.last_heartbeat_at, load = excluded.load, beat_count = h.beat_count + 1
        RETURNING * INTO beat;
        IF NOT FOUND THEN
            PERFORM orchestrator.node_not_found(node_heartbeat.node_id);
        END IF;
    END IF;
    SELECT n.status INTO node_status FROM orchestrator.nodes n WHERE n.node_id = node_heartbeat.node_id;
    IF node_heartbeat.status IS NOT NULL AND node_heartbeat.status <> node_status THEN
        -- A node reports on itself; taking it out of service, or back in, is an operator's call.
        IF pg_catalog.current_setting('role') = 'aio_node' AND 'INACTIVE' IN (node_status, node_heartbeat.status) THEN
            RAISE EXCEPTION 'status: a node key may not change its node from % to %', node_status, node_heartbeat.status
                USING ERRCODE = 'insufficient_privilege', COLUMN = 'status',
                      HINT = 'An admin or writer sets INACTIVE, and takes a node out of it, with PUT /nodes/{node_id}.';
        END IF;
        UPDATE orchestrator.nodes n SET status = node_heartbeat.status WHERE n.node_id = node_heartbeat.node_id;
        node_status := node_heartbeat.status;
    END IF;
    RETURN ROW(beat.node_id, node_status, orchestrator.node_health(node_status, beat.last_heartbeat_at),
               beat.last_heartbeat_at, beat.beat_count, beat.load)::api.node_beat;
END
$$;
COMMENT ON FUNCTION api.node_heartbeat(uuid, text, jsonb) IS
'Records a heartbeat: now, optionally a new status, and a small JSON object of load figures. One narrow update that touches no index (one transaction id, about 200 bytes of WAL); the node row is written only when status changes. A node key may not move its node into or out of INACTIVE.
Example: SELECT * FROM api.node_heartbeat(node_id => ''6f1c1e0e-6b3e-4bb0-9b62-1a6f3f2f4a10'', load => ''{"cpu": 0.42, "running_jobs": 3}'');
Errors: P0002 no node has this id; 22023 unknown status; 23514 load not an object or over 4 kB; 42501 a node key beating for another node, or changing INACTIVE.
Route: POST /nodes/{node_id}/heartbeat';

-- The released grants: api/heartbeats@v1.1.0's and roles_rbac's.
GRANT EXECUTE ON FUNCTION api.node_heartbeat(uuid, text, jsonb) TO aio_api, aio_writer, aio_node;

ALTER TYPE api.node_beat DROP ATTRIBUTE lost_invocation_ids;
ALTER TYPE api.node_beat DROP ATTRIBUTE cancel_invocation_ids;
COMMENT ON TYPE api.node_beat IS 'What a heartbeat answers: the node''s status and health after the beat.';

COMMIT;
