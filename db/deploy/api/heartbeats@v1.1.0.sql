-- Deploy ai-orchestrator:api/heartbeats
-- requires: api/nodes
-- Node heartbeats and derived health: POST /nodes/{node_id}/heartbeat.
BEGIN;
SET LOCAL ROLE aio_owner;

-- Health is derived, never stored: the status a node was given, and how long it has been silent.
CREATE FUNCTION orchestrator.node_health(
    status text, last_heartbeat_at timestamptz,
    stale_after interval DEFAULT '30 seconds', down_after interval DEFAULT '120 seconds'
) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN status = 'ERROR' THEN 'DOWN'
        WHEN status = 'MAINTENANCE' THEN 'MAINTENANCE'
        WHEN status = 'INACTIVE' THEN 'INACTIVE'
        WHEN last_heartbeat_at IS NULL THEN 'UNKNOWN'
        WHEN pg_catalog.now() - last_heartbeat_at > down_after THEN 'DOWN'
        WHEN pg_catalog.now() - last_heartbeat_at > stale_after THEN 'STALE'
        ELSE 'HEALTHY'
    END
$$;
COMMENT ON FUNCTION orchestrator.node_health(text, timestamptz, interval, interval) IS
'A node''s health: DOWN (status ERROR, or silent longer than down_after), MAINTENANCE, INACTIVE, UNKNOWN (never beat), STALE (ACTIVE but silent longer than stale_after), or HEALTHY.';

-- Thresholds arrive as seconds from HTTP and psql alike; both must be positive and ordered.
CREATE FUNCTION orchestrator.health_thresholds(stale_after_seconds integer, down_after_seconds integer,
                                               OUT stale_after interval, OUT down_after interval)
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    IF stale_after_seconds IS NULL OR stale_after_seconds < 1 THEN
        RAISE EXCEPTION 'stale_after_seconds: must be 1 or more, got %', coalesce(stale_after_seconds::text, 'null')
            USING ERRCODE = 'invalid_parameter_value', COLUMN = 'stale_after_seconds';
    END IF;
    IF down_after_seconds IS NULL OR down_after_seconds < stale_after_seconds THEN
        RAISE EXCEPTION 'down_after_seconds: must be at least stale_after_seconds (%), got %',
            stale_after_seconds, coalesce(down_after_seconds::text, 'null')
            USING ERRCODE = 'invalid_parameter_value', COLUMN = 'down_after_seconds';
    END IF;
    stale_after := pg_catalog.make_interval(secs => stale_after_seconds);
    down_after := pg_catalog.make_interval(secs => down_after_seconds);
END
$$;
COMMENT ON FUNCTION orchestrator.health_thresholds(integer, integer) IS
'Validates health thresholds in seconds (stale >= 1, down >= stale) and returns them as intervals; 22023 naming the bad one.';

CREATE TYPE api.node_beat AS (
    node_id           uuid,
    status            text,
    health            text,
    last_heartbeat_at timestamptz,
    beat_count        bigint,
    load              jsonb
);
COMMENT ON TYPE api.node_beat IS 'What a heartbeat answers: the node''s status and health after the beat.';

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

GRANT EXECUTE ON FUNCTION api.node_heartbeat(uuid, text, jsonb) TO aio_api;

COMMIT;
