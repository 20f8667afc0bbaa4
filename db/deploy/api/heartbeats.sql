-- Deploy ai-orchestrator:api/heartbeats (reworked after v1.1.0)
-- requires: api/heartbeats@v1.1.0 api/invocations data/node_heartbeats_nameless_heartbeat_at
-- Node heartbeats and derived health: POST /nodes/{node_id}/heartbeat. A beat renews every lease
-- of its agent (a beat without a name: of the node's claims without one) without writing to
-- invocations (the lease rule, orchestrator.invocation_lease_expires_at), after it ended
-- those that had already expired (a beat never revives a lost lease) and, when the agent lists
-- the invocations it holds, those it does not hold (a predecessor's, after a restart; a claim
-- whose answer was lost). It answers the ids of the node's RUNNING invocations whose cancellation
-- was asked, and which of the listed ones are no longer the node's. GET /nodes/{node_id}/agents
-- lists the agent processes that beat for a node. The whole family, replaced: deploying this twice
-- changes nothing.
BEGIN;
SET LOCAL ROLE aio_owner;

-- Health is derived, never stored: the status a node was given, and how long it has been silent.
CREATE OR REPLACE FUNCTION orchestrator.node_health(
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
CREATE OR REPLACE FUNCTION orchestrator.health_thresholds(stale_after_seconds integer, down_after_seconds integer,
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

-- The released type gains one attribute: the ids the node must stop working on.
DO $$
BEGIN
    IF pg_catalog.to_regtype('api.node_beat') IS NULL THEN
        CREATE TYPE api.node_beat AS (
            node_id           uuid,
            status            text,
            health            text,
            last_heartbeat_at timestamptz,
            beat_count        bigint,
            load              jsonb
        );
    END IF;
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_attribute a
                   WHERE a.attrelid = 'api.node_beat'::pg_catalog.regclass AND a.attname = 'cancel_invocation_ids' AND NOT a.attisdropped) THEN
        ALTER TYPE api.node_beat ADD ATTRIBUTE cancel_invocation_ids uuid[];
    END IF;
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_attribute a
                   WHERE a.attrelid = 'api.node_beat'::pg_catalog.regclass AND a.attname = 'lost_invocation_ids' AND NOT a.attisdropped) THEN
        ALTER TYPE api.node_beat ADD ATTRIBUTE lost_invocation_ids uuid[];
    END IF;
END
$$;
COMMENT ON TYPE api.node_beat IS
'What a heartbeat answers: the node''s status and health after the beat; cancel_invocation_ids: its RUNNING invocations whose cancellation was asked (stop them, then report); lost_invocation_ids: of the running_invocation_ids the beat listed, those its node no longer runs (stop them and do not report: a report would be refused with 409), or NULL when the beat listed none.';

-- A beat runs at every node's pulse, so it is kept to one transaction id and one small WAL
-- record: no EXCEPTION block (a subtransaction takes an xid of its own), so load is checked
-- before the write with the words of its CHECK; an UPDATE first, because INSERT ... ON CONFLICT
-- locks the existing row (one more WAL record) before it updates it. The invocations are read
-- through the partial index of RUNNING invocations by node, and written only when a lease ends.
DROP FUNCTION IF EXISTS api.node_heartbeat(uuid, text, jsonb);
CREATE OR REPLACE FUNCTION api.node_heartbeat(node_id uuid, status text DEFAULT NULL, load jsonb DEFAULT '{}',
                                              running_invocation_ids uuid[] DEFAULT NULL, agent text DEFAULT NULL)
RETURNS api.node_beat
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
    beat orchestrator.node_heartbeats;
    beat_load jsonb := coalesce(node_heartbeat.load, '{}');
    node_status text;
    unheld_ids uuid[] := '{}'::uuid[];
    cancel_ids uuid[];
    lost_ids uuid[];
BEGIN
    PERFORM orchestrator.check_own_node(node_heartbeat.node_id, 'node_id', 'beat for its own node');
    PERFORM orchestrator.check_enum('status', node_heartbeat.status, orchestrator.node_statuses());
    IF pg_catalog.jsonb_typeof(beat_load) <> 'object' OR pg_catalog.pg_column_size(beat_load) > 4096 THEN
        RAISE EXCEPTION 'load: must be a JSON object of at most 4 kB'
            USING ERRCODE = 'check_violation', COLUMN = 'load', CONSTRAINT = 'node_heartbeats_load_format';
    END IF;
    IF pg_catalog.cardinality(running_invocation_ids) > 10000
       OR EXISTS (SELECT FROM pg_catalog.unnest(running_invocation_ids) AS x(id) WHERE x.id IS NULL) THEN
        RAISE EXCEPTION 'running_invocation_ids: must list at most 10000 invocation ids, none of them null (got % entries)',
                pg_catalog.cardinality(running_invocation_ids)
            USING ERRCODE = 'invalid_parameter_value', COLUMN = 'running_invocation_ids';
    ELSIF pg_catalog.length(agent) NOT BETWEEN 1 AND 200 THEN
        RAISE EXCEPTION 'agent: must be 1 to 200 characters, got %', pg_catalog.length(agent)
            USING ERRCODE = 'invalid_parameter_value', COLUMN = 'agent';
    END IF;
    IF running_invocation_ids IS NOT NULL THEN
        -- The node's RUNNING invocations that this agent claimed (a beat without a name: those
        -- claimed without one) and does not list; another agent's are its own business. A claim answered
        -- just before the beat left, or still on its way, is missing from the list through no
        -- fault: an attempt is taken as unheld only once it started before this agent's previous
        -- beat (it had a whole beat interval to learn of it) and more than 5 seconds ago (a slow
        -- claim answer on a loaded gateway, for agents that beat every second). A predecessor's
        -- work, after a restart under the same name, ends within a beat or two of that.
        unheld_ids := ARRAY(
            SELECT i.invocation_id
            FROM orchestrator.invocations i
            JOIN orchestrator.invocation_attempts a ON a.invocation_id = i.invocation_id AND a.attempt = i.attempt
            LEFT JOIN orchestrator.node_heartbeats h ON h.node_id = i.node_id AND node_heartbeat.agent IS NULL
            LEFT JOIN orchestrator.node_agents g ON g.node_id = i.node_id AND g.agent = node_heartbeat.agent
            WHERE i.node_id = node_heartbeat.node_id AND i.state = 'RUNNING'
              AND a.agent IS NOT DISTINCT FROM node_heartbeat.agent
              AND a.started_at < least(coalesce(h.nameless_heartbeat_at, g.last_heartbeat_at), pg_catalog.now() - interval '5 seconds')
            EXCEPT
            SELECT pg_catalog.unnest(running_invocation_ids));
    END IF;
    -- Leases that expired before this beat stay lost, and the unheld ones are given up: their
    -- attempts end first (a read of the node's RUNNING rows; it writes only when one ends, e.g.
    -- after the node or the database was away for longer than a lease, or an agent restarted).
    PERFORM orchestrator.invocation_leases_end(node_heartbeat.node_id, 1000, unheld_ids);
    UPDATE orchestrator.node_heartbeats h
    SET last_heartbeat_at = pg_catalog.now(), load = beat_load, beat_count = h.beat_count + 1,
        nameless_heartbeat_at = CASE WHEN node_heartbeat.agent IS NULL THEN pg_catalog.now() ELSE h.nameless_heartbeat_at END
    WHERE h.node_id = node_heartbeat.node_id
    RETURNING * INTO beat;
    IF NOT FOUND THEN
        -- The first beat; ON CONFLICT covers two first beats at once.
        INSERT INTO orchestrator.node_heartbeats AS h (node_id, last_heartbeat_at, load, nameless_heartbeat_at)
        SELECT n.node_id, pg_catalog.now(), beat_load, CASE WHEN node_heartbeat.agent IS NULL THEN pg_catalog.now() END
        FROM orchestrator.nodes n WHERE n.node_id = node_heartbeat.node_id
        ON CONFLICT ON CONSTRAINT node_heartbeats_pkey DO UPDATE
            SET last_heartbeat_at = excluded.last_heartbeat_at, load = excluded.load, beat_count = h.beat_count + 1,
                nameless_heartbeat_at = coalesce(excluded.nameless_heartbeat_at, h.nameless_heartbeat_at)
        RETURNING * INTO beat;
        IF NOT FOUND THEN
            PERFORM orchestrator.node_not_found(node_heartbeat.node_id);
        END IF;
    END IF;
    IF agent IS NOT NULL THEN
        -- The agent's own beat, which its attempts' leases live on (as the node's, an UPDATE first).
        UPDATE orchestrator.node_agents g SET last_heartbeat_at = beat.last_heartbeat_at
        WHERE g.node_id = node_heartbeat.node_id AND g.agent = node_heartbeat.agent;
        IF NOT FOUND THEN
            INSERT INTO orchestrator.node_agents AS g (node_id, agent, last_heartbeat_at)
            VALUES (node_heartbeat.node_id, node_heartbeat.agent, beat.last_heartbeat_at)
            ON CONFLICT ON CONSTRAINT node_agents_pkey DO UPDATE SET last_heartbeat_at = excluded.last_heartbeat_at;
            -- A new name: the names of agents gone for a day go (their leases, at most an hour, ended long ago).
            DELETE FROM orchestrator.node_agents g
            WHERE g.node_id = node_heartbeat.node_id AND g.last_heartbeat_at < pg_catalog.now() - interval '1 day';
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
    cancel_ids := ARRAY(SELECT i.invocation_id FROM orchestrator.invocations i
                        WHERE i.node_id = node_heartbeat.node_id AND i.state = 'RUNNING' AND i.cancel_requested_at IS NOT NULL
                        ORDER BY i.invocation_id);
    IF running_invocation_ids IS NOT NULL THEN
        -- Listed but not this agent's (any more): ended meanwhile, taken over after a lost lease,
        -- another agent's or node's, or no invocation at all. Nothing is changed for them; the agent drops them.
        lost_ids := ARRAY(SELECT pg_catalog.unnest(running_invocation_ids)
                          EXCEPT
                          SELECT i.invocation_id FROM orchestrator.invocations i
                          JOIN orchestrator.invocation_attempts a ON a.invocation_id = i.invocation_id AND a.attempt = i.attempt
                          WHERE i.node_id = node_heartbeat.node_id AND i.state = 'RUNNING'
                            AND a.agent IS NOT DISTINCT FROM node_heartbeat.agent
                          ORDER BY 1);
    END IF;
    RETURN ROW(beat.node_id, node_status, orchestrator.node_health(node_status, beat.last_heartbeat_at),
               beat.last_heartbeat_at, beat.beat_count, beat.load, cancel_ids, lost_ids)::api.node_beat;
END
$$;
COMMENT ON FUNCTION api.node_heartbeat(uuid, text, jsonb, uuid[], text) IS
'Records a heartbeat: now, optionally a new status, and a small JSON object of load figures. One narrow update that touches no index (one transaction id, about 200 bytes of WAL; an agent''s beat updates its agent row as well); the node row is written only when status changes, the invocations only when a lease ends. A node key may not move its node into or out of INACTIVE.
agent names the agent process that beats (1..200 characters; the name it claims under, api.node_claim''s agent). The beat renews the lease of every invocation that agent claimed (without agent: of those claimed without one), after ending as LEASE_LOST the node''s attempts whose lease had already expired (they run again elsewhere; a late report of them is refused). A lease ends lease_seconds after the later of the claim and the last beat of its agent. It answers in cancel_invocation_ids the node''s RUNNING invocations whose cancellation was asked: stop them and report (fail, or complete).
running_invocation_ids (an agent sends it at every beat; NULL: not reported, nothing more happens) lists the invocations the agent holds: claimed and not yet reported. The node''s RUNNING invocations claimed under this agent name (a beat without agent: claimed without one) that are missing from it end as LEASE_LOST the same way (requeued, or DEAD when out of attempts), unless their attempt started after this agent''s previous beat or less than 5 seconds ago (a claim whose answer may not have reached the agent yet): an agent restarted at once under the same name does not keep its predecessor''s work alive. Other agents of the node, beating under other names or without one, keep theirs. lost_invocation_ids answers which listed ids the agent no longer runs (ended, taken over, another agent''s or node''s, unknown): stop them without reporting. An agent row not renewed for a day is deleted when a new agent name first beats for the node.
Example: SELECT * FROM api.node_heartbeat(node_id => ''6f1c1e0e-6b3e-4bb0-9b62-1a6f3f2f4a10'', load => ''{"cpu": 0.42, "running_jobs": 1}'', running_invocation_ids => ''{0b7e9a52-2f0c-4f5e-9a0e-3f1d2c4b5a69}'', agent => ''gpu-host-1'');
Errors: P0002 no node has this id; 22P02 node_id or a listed id not a UUID; 22023 unknown status, running_invocation_ids over 10000 entries or with a null, or agent not 1..200 characters; 23514 load not an object or over 4 kB; 42501 a node key beating for another node, or changing INACTIVE.
Route: POST /nodes/{node_id}/heartbeat';

-- The agents of a node: the names that beat for it (orchestrator.node_agents), for an operator
-- who runs several, or wants to see which process holds what.
DO $$
BEGIN
    IF pg_catalog.to_regtype('api.node_agent') IS NULL THEN
        CREATE TYPE api.node_agent AS (
            agent               text,
            last_heartbeat_at   timestamptz,
            health              text,
            running_invocations integer
        );
    END IF;
END
$$;
COMMENT ON TYPE api.node_agent IS
'An agent process of a node: its name (NULL: the beats and claims without one, taken together), its last beat, its health (as a node''s, from the node''s status and that beat), and how many RUNNING invocations it claimed.';

CREATE OR REPLACE FUNCTION api.node_agent_list(node_id uuid) RETURNS SETOF api.node_agent
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
    node_status text;
BEGIN
    PERFORM orchestrator.check_own_node(node_agent_list.node_id, 'node_id', 'read the agents of its own node');
    SELECT n.status INTO node_status FROM orchestrator.nodes n WHERE n.node_id = node_agent_list.node_id;
    IF NOT FOUND THEN
        PERFORM orchestrator.node_not_found(node_agent_list.node_id);
    END IF;
    -- The named agents, then the beats and claims without a name as one more (agent NULL), while
    -- such a beat is less than a day old or such a claim runs.
    RETURN QUERY
    SELECT b.agent, b.last_heartbeat_at, orchestrator.node_health(node_status, b.last_heartbeat_at), r.running
    FROM (SELECT g.agent, g.last_heartbeat_at FROM orchestrator.node_agents g WHERE g.node_id = node_agent_list.node_id
          UNION ALL
          SELECT NULL, (SELECT h.nameless_heartbeat_at FROM orchestrator.node_heartbeats h WHERE h.node_id = node_agent_list.node_id)) AS b
    CROSS JOIN LATERAL (
        SELECT pg_catalog.count(*)::integer AS running
        FROM orchestrator.invocations i
        JOIN orchestrator.invocation_attempts a ON a.invocation_id = i.invocation_id AND a.attempt = i.attempt
        WHERE i.node_id = node_agent_list.node_id AND i.state = 'RUNNING' AND a.agent IS NOT DISTINCT FROM b.agent) AS r
    WHERE b.agent IS NOT NULL OR b.last_heartbeat_at > pg_catalog.now() - interval '1 day' OR r.running > 0
    ORDER BY b.agent NULLS LAST;
END
$$;
COMMENT ON FUNCTION api.node_agent_list(uuid) IS
'The agent processes that beat for a node under a name (api.node_heartbeat''s agent), by name: when each last beat, its health (DOWN once silent for 120 s, STALE after 30 s, as a node''s), and how many RUNNING invocations it claimed. A name not heard of for a day is deleted when a new name first beats for the node. Beats and claims without a name count as one more agent, listed last with agent NULL while such a beat is less than a day old or such a claim runs.
Example: SELECT agent, health, running_invocations FROM api.node_agent_list(node_id => ''6f1c1e0e-6b3e-4bb0-9b62-1a6f3f2f4a10'');
Errors: P0002 no node has this id; 42501 a node key reading another node''s agents.
Route: GET /nodes/{node_id}/agents';
REVOKE ALL ON FUNCTION api.node_agent_list(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.node_agent_list(uuid) TO aio_reader, aio_node;

-- The grants of the released signature (this change's and roles_rbac's), on the new one.
REVOKE ALL ON FUNCTION api.node_heartbeat(uuid, text, jsonb, uuid[], text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.node_heartbeat(uuid, text, jsonb, uuid[], text) TO aio_api, aio_writer, aio_node;

COMMIT;
