-- Deploy ai-orchestrator:api/invocations
-- requires: data/invocations data/tools_invocation_settings data/artifacts_invocation data/json_schema_compiled
-- requires: data/node_agents data/node_heartbeats_nameless_heartbeat_at
-- requires: api/artifacts_batch api/tools api/nodes idempotency roles_rbac
-- Invocations: submit, read, cancel; a node claims work, completes, fails or releases it under a
-- lease; the sweep ends what nobody will finish; the purge keeps the table to its retention; the
-- lineage of an artifact. The state machine is the trigger invocations_transition (data/invocations);
-- these functions check first, so that each refusal names the state and the field.
BEGIN;
SET LOCAL ROLE aio_owner;

-- Result types ----------------------------------------------------------------------------------
CREATE TYPE api.invocation AS (
    invocation_id         uuid,
    tool_id               uuid,
    tool_name             text,
    tool_version          text,
    target_node_id        uuid,
    state                 text,
    priority              integer,
    input                 jsonb,
    output                jsonb,
    error                 jsonb,
    attempt               integer,
    max_attempts          integer,
    node_id               uuid,
    idempotency_key       text,
    submitted_by          jsonb,
    not_before            timestamptz,
    run_after             timestamptz,
    queue_timeout_seconds integer,
    run_timeout_seconds   integer,
    lease_seconds         integer,
    queue_deadline        timestamptz,
    run_deadline          timestamptz,
    lease_expires_at      timestamptz,
    cancel_requested_at   timestamptz,
    cancel_reason         text,
    created_at            timestamptz,
    started_at            timestamptz,
    finished_at           timestamptz,
    updated_at            timestamptz,
    input_artifact_ids    uuid[],
    attempts              jsonb
);
COMMENT ON TYPE api.invocation IS
'An invocation: its tool, state, input, output or error, deadlines, and (attempts) every claim as {attempt, node_id, started_at, ended_at, outcome, error}. The lease token is never shown: only the node holding it knows it.';

CREATE TYPE api.invocation_item AS (
    invocation_id         uuid,
    tool_id               uuid,
    tool_name             text,
    tool_version          text,
    target_node_id        uuid,
    state                 text,
    priority              integer,
    input                 jsonb,
    output                jsonb,
    error                 jsonb,
    attempt               integer,
    max_attempts          integer,
    node_id               uuid,
    idempotency_key       text,
    submitted_by          jsonb,
    not_before            timestamptz,
    run_after             timestamptz,
    queue_deadline        timestamptz,
    run_deadline          timestamptz,
    cancel_requested_at   timestamptz,
    created_at            timestamptz,
    started_at            timestamptz,
    finished_at           timestamptz,
    updated_at            timestamptz,
    cursor                text
);
COMMENT ON TYPE api.invocation_item IS 'An invocation in a list, with the cursor of its page position (attempts: GET /invocations/{invocation_id}).';

CREATE TYPE api.invocation_claim AS (
    invocation_id    uuid,
    tool_id          uuid,
    tool_name        text,
    tool_version     text,
    input            jsonb,
    attempt          integer,
    lease_token      uuid,
    lease_expires_at timestamptz,
    run_deadline     timestamptz
);
COMMENT ON TYPE api.invocation_claim IS
'Work handed to a node: what to run, and the lease token every report about it must present. The lease lasts until lease_expires_at and is renewed by each heartbeat of the node; run_deadline (when the invocation has a run timeout) is not.';

CREATE TYPE api.invocation_completion AS (
    invocation_id uuid,
    state         text,
    attempt       integer,
    finished_at   timestamptz,
    error         jsonb
);
COMMENT ON TYPE api.invocation_completion IS
'How one completion of a batch ended: the invocation''s state (SUCCEEDED; OUTPUT_INVALID, RETRY_WAIT or DEAD when the output broke the output_schema, error then saying how), its attempt and when it finished.';

CREATE TYPE api.invocations_swept AS (
    lease_lost      integer,
    requeued        integer,
    dead            integer,
    cancelled       integer,
    run_timed_out   integer,
    queue_timed_out integer
);
COMMENT ON TYPE api.invocations_swept IS
'What one sweep ended: attempts whose lease expired (lease_lost), and of their invocations those queued again (requeued) or out of attempts (dead); cancellations a node did not honour within the grace period (cancelled, including lost leases of cancelled invocations); run and queue timeouts.';

CREATE TYPE api.invocations_purged AS (
    deleted bigint,
    more    boolean,
    cutoff  timestamptz
);
COMMENT ON TYPE api.invocations_purged IS 'What a purge deleted: how many invocations (with their attempts), whether more are due (call again), and the cutoff used.';

CREATE TYPE api.tool_invocation_settings AS (
    tool_id              uuid,
    lease_seconds        integer,
    retry_output_invalid boolean
);
COMMENT ON TYPE api.tool_invocation_settings IS
'How a tool''s invocations run: the lease a claim holds past its node''s last heartbeat (seconds), and whether an output that breaks the output_schema is retried.';

CREATE TYPE api.invocation_queue_entry AS (
    tool_id              uuid,
    tool_name            text,
    tool_version         text,
    tool_status          text,
    target_node_id       uuid,
    target_node_name     text,
    target_node_health   text,
    ready                integer,
    scheduled            integer,
    running              integer,
    cancelling           integer,
    oldest_ready_at      timestamptz,
    longest_wait_seconds numeric,
    stalled_reason       text
);
COMMENT ON TYPE api.invocation_queue_entry IS
'The unfinished work of one tool version for one target (a node, or none: any node): how many invocations wait to be claimed now (ready), wait for a later time (scheduled: not_before or a retry''s backoff), run (running; cancelling: of those, asked to stop), since when the oldest ready one has waited, and, when ready work cannot be claimed, why (stalled_reason).';

CREATE TYPE api.artifact_lineage_node AS (
    depth              integer,
    artifact_id        uuid,
    artifact_name      text,
    uri                text,
    invocation_id      uuid,
    invocation_state   text,
    tool_id            uuid,
    tool_name          text,
    tool_version       text,
    node_id            uuid,
    input_artifact_ids uuid[]
);
COMMENT ON TYPE api.artifact_lineage_node IS
'One artifact of a lineage graph: its distance from the artifact asked about (0: itself), the invocation that produced it (NULL: recorded otherwise) with its tool version and node, and that invocation''s input artifacts (each one a row of the graph at depth + 1).';

-- Private helpers -------------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION orchestrator.invocation_not_found(invocation_id uuid) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'invocation_id: no invocation has id %', invocation_id USING ERRCODE = 'no_data_found', COLUMN = 'invocation_id';
END
$$;
COMMENT ON FUNCTION orchestrator.invocation_not_found(uuid) IS 'Raises P0002 for an invocation_id that matches no invocation.';

-- The lease rule: a RUNNING attempt's lease ends lease after the later of its start and the last
-- heartbeat of the agent that claimed it (for an attempt claimed without an agent name: the last
-- beat of its node sent without one), so a beat renews every lease of its agent without writing
-- to invocations.
-- PL/pgSQL, not SQL: a SQL function that is not inlined is planned again on every call from
-- PL/pgSQL, and these helpers run on every submit, claim and report.
CREATE OR REPLACE FUNCTION orchestrator.invocation_lease_expires_at(i orchestrator.invocations) RETURNS timestamptz
LANGUAGE plpgsql STABLE AS $$
DECLARE
    expires timestamptz;
BEGIN
    IF i.state IS DISTINCT FROM 'RUNNING' THEN
        RETURN NULL;
    END IF;
    SELECT greatest(a.started_at, CASE WHEN a.agent IS NULL THEN h.nameless_heartbeat_at ELSE g.last_heartbeat_at END) + i.lease
    INTO expires
    FROM orchestrator.invocation_attempts a
    LEFT JOIN orchestrator.node_heartbeats h ON h.node_id = a.node_id AND a.agent IS NULL
    LEFT JOIN orchestrator.node_agents g ON g.node_id = a.node_id AND g.agent = a.agent
    WHERE a.invocation_id = i.invocation_id AND a.attempt = i.attempt;
    RETURN expires;
END
$$;
COMMENT ON FUNCTION orchestrator.invocation_lease_expires_at(orchestrator.invocations) IS
'When the lease of a RUNNING invocation ends: greatest(attempt start, the last heartbeat of the agent that claimed it, or, when claimed without an agent name, the last beat of its node without one) + lease. NULL when not RUNNING.';

-- Attempts that count against max_attempts: all but those given back unrun.
CREATE OR REPLACE FUNCTION orchestrator.invocation_counted_attempts(invocation_id uuid) RETURNS integer
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT pg_catalog.count(*)::integer FROM orchestrator.invocation_attempts a
            WHERE a.invocation_id = invocation_counted_attempts.invocation_id AND a.outcome IS DISTINCT FROM 'RELEASED');
END
$$;
COMMENT ON FUNCTION orchestrator.invocation_counted_attempts(uuid) IS
'How many attempts of an invocation count against its max_attempts: every claim except those released (RELEASED).';

-- Retries wait least(cap, base * 2^attempts), jittered into [half of it, all of it].
CREATE OR REPLACE FUNCTION orchestrator.invocation_retry_delay(attempts integer) RETURNS interval
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    base constant double precision := coalesce((SELECT s.value::double precision FROM orchestrator.settings s
                                                WHERE s.name = 'invocation_retry_base_seconds'), 1);
    cap constant double precision := coalesce((SELECT s.value::double precision FROM orchestrator.settings s
                                               WHERE s.name = 'invocation_retry_cap_seconds'), 300);
BEGIN
    RETURN pg_catalog.make_interval(secs => least(cap, base * pg_catalog.power(2, least(attempts, 60))) * (0.5 + pg_catalog.random() / 2));
END
$$;
COMMENT ON FUNCTION orchestrator.invocation_retry_delay(integer) IS
'How long a retry waits after attempts counted attempts: d = least(cap, base * 2^attempts) (settings invocation_retry_base_seconds, 1, and invocation_retry_cap_seconds, 300), with jitter: uniformly between d/2 and d.';

-- Wakes the claims waiting for work: the gateway LISTENs on aio_invocations. Transactional: a
-- rolled-back submit wakes nobody. The payload is the target node, or '' for any node.
CREATE OR REPLACE FUNCTION orchestrator.invocation_notify(target_node_id uuid) RETURNS void
LANGUAGE sql VOLATILE AS $$
    SELECT pg_catalog.pg_notify('aio_invocations', coalesce(target_node_id::text, ''))
$$;
COMMENT ON FUNCTION orchestrator.invocation_notify(uuid) IS
'NOTIFY aio_invocations with the target node id (or '''' for any node): work is ready to claim. Delivered at commit.';

-- A node key acts for its own node only.
CREATE OR REPLACE FUNCTION orchestrator.check_own_node(node_id uuid, field text, what text) RETURNS void
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF pg_catalog.current_setting('role') = 'aio_node'
       AND node_id IS DISTINCT FROM NULLIF(pg_catalog.current_setting('aio.node_id', true), '')::uuid THEN
        RAISE EXCEPTION '%: a node key may only %', field, what
            USING ERRCODE = 'insufficient_privilege', COLUMN = field;
    END IF;
END
$$;
COMMENT ON FUNCTION orchestrator.check_own_node(uuid, text, text) IS
'Raises 42501 naming field when the request runs as aio_node and node_id is not the node of its key (setting aio.node_id).';

CREATE OR REPLACE FUNCTION orchestrator.invocation_out(i orchestrator.invocations) RETURNS api.invocation
LANGUAGE plpgsql STABLE AS $$
DECLARE
    answer api.invocation;
BEGIN
    SELECT i.invocation_id, i.tool_id, t.name, t.version, i.target_node_id, i.state, i.priority, i.input, i.output, i.error,
           i.attempt, i.max_attempts, i.node_id, i.idempotency_key, i.submitted_by, i.not_before, i.run_after,
           pg_catalog.date_part('epoch', i.queue_timeout)::integer, pg_catalog.date_part('epoch', i.run_timeout)::integer,
           pg_catalog.date_part('epoch', i.lease)::integer, i.queue_deadline, i.run_deadline,
           orchestrator.invocation_lease_expires_at(i), i.cancel_requested_at, i.cancel_reason,
           i.created_at, i.started_at, i.finished_at, i.updated_at,
           coalesce((SELECT pg_catalog.array_agg(x.artifact_id ORDER BY x.artifact_id)
                     FROM orchestrator.invocation_input_artifacts x WHERE x.invocation_id = i.invocation_id), '{}'),
           coalesce((SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                                'attempt', a.attempt, 'node_id', a.node_id, 'agent', a.agent, 'started_at', a.started_at,
                                'ended_at', a.ended_at, 'outcome', a.outcome, 'error', a.error) ORDER BY a.attempt)
                     FROM orchestrator.invocation_attempts a WHERE a.invocation_id = i.invocation_id), '[]')
    INTO answer
    FROM orchestrator.tools t WHERE t.tool_id = i.tool_id;
    RETURN answer;
END
$$;
COMMENT ON FUNCTION orchestrator.invocation_out(orchestrator.invocations) IS 'An invocations row as api.invocation, with its tool''s name and version, lease end, input artifacts and attempts.';

-- The invocation a node reports on, locked, after every check a report must pass: it exists, the
-- caller may report on it, it is RUNNING under this very lease token, and the lease and the run
-- deadline have not passed (a late report is refused even before the sweep has ended the attempt).
CREATE OR REPLACE FUNCTION orchestrator.invocation_held(invocation_id uuid, lease_token uuid) RETURNS orchestrator.invocations
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    inv orchestrator.invocations;
    token_attempt orchestrator.invocation_attempts;
    expires timestamptz;
BEGIN
    SELECT * INTO inv FROM orchestrator.invocations i WHERE i.invocation_id = invocation_held.invocation_id FOR UPDATE;
    IF NOT FOUND THEN
        PERFORM orchestrator.invocation_not_found(invocation_held.invocation_id);
    END IF;
    IF lease_token IS NULL THEN
        RAISE EXCEPTION 'lease_token: is required and may not be null' USING ERRCODE = 'not_null_violation', COLUMN = 'lease_token';
    END IF;
    SELECT * INTO token_attempt FROM orchestrator.invocation_attempts a
    WHERE a.invocation_id = inv.invocation_id AND a.lease_token = invocation_held.lease_token;
    -- A node key reports only on its own attempts: the attempt of this token, or (an unknown
    -- token) the invocation's current one. Its own attempt that was taken over is stale (PT409).
    PERFORM orchestrator.check_own_node(CASE WHEN token_attempt.attempt IS NOT NULL THEN token_attempt.node_id ELSE inv.node_id END,
                                        'invocation_id', 'report on invocations its own node holds');
    IF inv.state <> 'RUNNING' OR inv.lease_token IS DISTINCT FROM invocation_held.lease_token THEN
        RAISE EXCEPTION 'lease_token: stale; invocation % is % (attempt %)%', inv.invocation_id, inv.state, inv.attempt,
                CASE WHEN token_attempt.outcome IS NOT NULL THEN pg_catalog.format(', the attempt of this token ended as %s', token_attempt.outcome)
                     WHEN token_attempt.attempt IS NULL THEN ', and no attempt of it had this token' ELSE '' END
            USING ERRCODE = 'PT409', COLUMN = 'lease_token',
                  HINT = 'Nothing was changed. Drop this work: the lease was lost or the invocation ended.';
    END IF;
    expires := orchestrator.invocation_lease_expires_at(inv);
    IF expires < pg_catalog.now() THEN
        RAISE EXCEPTION 'lease_token: the lease of attempt % of invocation % expired at %', inv.attempt, inv.invocation_id, expires
            USING ERRCODE = 'PT409', COLUMN = 'lease_token',
                  HINT = 'Nothing was changed: the node stopped heartbeating for longer than the lease, and the invocation will run again.';
    ELSIF inv.run_deadline < pg_catalog.now() THEN
        RAISE EXCEPTION 'lease_token: attempt % of invocation % passed its run deadline %', inv.attempt, inv.invocation_id, inv.run_deadline
            USING ERRCODE = 'PT409', COLUMN = 'lease_token', HINT = 'Nothing was changed: the invocation ends as TIMED_OUT.';
    END IF;
    RETURN inv;
END
$$;
COMMENT ON FUNCTION orchestrator.invocation_held(uuid, uuid) IS
'Locks and returns a RUNNING invocation whose current lease token is lease_token. Errors: P0002 unknown invocation; 23502 no token; 42501 a node key presenting another node''s token (or an unknown token for an invocation another node holds); PT409 a stale token (another attempt, or the invocation no longer RUNNING), an expired lease or a passed run deadline.';

-- Expired leases: the node stopped heartbeating for longer than the lease. The attempt ends
-- LEASE_LOST; the invocation runs again at once (QUEUED), or is DEAD when out of attempts, or
-- CANCELLED when its cancellation was asked. For one node (a heartbeat, before it renews the
-- leases that are still alive) or for all (the sweep). A heartbeat also names, in
-- unheld_invocation_ids, its node's RUNNING invocations that the node's agent says it does not
-- hold: their leases end the same way, alive or not.
CREATE OR REPLACE FUNCTION orchestrator.invocation_leases_end(only_node_id uuid, batch integer,
    unheld_invocation_ids uuid[] DEFAULT '{}',
    OUT lease_lost integer, OUT requeued integer, OUT dead integer, OUT cancelled integer)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    WITH due AS (
        SELECT i.invocation_id, i.attempt, beat.lease_end < pg_catalog.now() AS expired, CASE
                   WHEN i.cancel_requested_at IS NOT NULL THEN 'CANCELLED'
                   WHEN orchestrator.invocation_counted_attempts(i.invocation_id) >= i.max_attempts THEN 'DEAD'
                   ELSE 'QUEUED' END AS next_state
        FROM orchestrator.invocations i
        JOIN orchestrator.invocation_attempts a ON a.invocation_id = i.invocation_id AND a.attempt = i.attempt
        LEFT JOIN orchestrator.node_heartbeats h ON h.node_id = a.node_id AND a.agent IS NULL
        LEFT JOIN orchestrator.node_agents g ON g.node_id = a.node_id AND g.agent = a.agent
        CROSS JOIN LATERAL (SELECT greatest(a.started_at, CASE WHEN a.agent IS NULL THEN h.nameless_heartbeat_at ELSE g.last_heartbeat_at END)
                                   + i.lease AS lease_end) AS beat
        WHERE i.state = 'RUNNING' AND (only_node_id IS NULL OR i.node_id = only_node_id)
          AND (beat.lease_end < pg_catalog.now() OR i.invocation_id = ANY (unheld_invocation_ids))
        LIMIT batch FOR UPDATE OF i SKIP LOCKED
    ), ended AS (
        UPDATE orchestrator.invocation_attempts a
        SET ended_at = pg_catalog.now(), outcome = 'LEASE_LOST',
            error = pg_catalog.jsonb_build_object('code', 'LEASE_LOST', 'message',
                        CASE WHEN due.expired THEN 'the node stopped heartbeating for longer than the lease'
                             ELSE 'the node''s heartbeat did not list it among the invocations its agent holds' END)
        FROM due WHERE a.invocation_id = due.invocation_id AND a.attempt = due.attempt AND a.ended_at IS NULL
    ), moved AS (
        UPDATE orchestrator.invocations i
        SET state = due.next_state, lease_token = NULL, run_deadline = NULL,
            run_after = pg_catalog.now(),
            queue_deadline = CASE WHEN due.next_state = 'QUEUED' THEN pg_catalog.now() + i.queue_timeout END,
            finished_at = CASE WHEN due.next_state <> 'QUEUED' THEN pg_catalog.now() END,
            error = CASE due.next_state
                WHEN 'QUEUED' THEN i.error
                WHEN 'CANCELLED' THEN pg_catalog.jsonb_build_object('code', 'CANCELLED', 'message', coalesce(i.cancel_reason, 'cancelled'))
                ELSE pg_catalog.jsonb_build_object('code', 'LEASE_LOST', 'message',
                         pg_catalog.format('the lease of attempt %s was lost and no attempt is left (max_attempts %s)', i.attempt, i.max_attempts))
            END
        FROM due WHERE i.invocation_id = due.invocation_id
        RETURNING i.state, i.target_node_id
    ), woken AS (
        SELECT pg_catalog.count(*) FROM (SELECT DISTINCT orchestrator.invocation_notify(m.target_node_id)::text
                                         FROM moved m WHERE m.state = 'QUEUED') AS q
    )
    SELECT pg_catalog.count(*),
           pg_catalog.count(*) FILTER (WHERE m.state = 'QUEUED'),
           pg_catalog.count(*) FILTER (WHERE m.state = 'DEAD'),
           pg_catalog.count(*) FILTER (WHERE m.state = 'CANCELLED')
    INTO lease_lost, requeued, dead, cancelled
    FROM moved m, woken;
END
$$;
COMMENT ON FUNCTION orchestrator.invocation_leases_end(uuid, integer, uuid[]) IS
'Ends at most batch RUNNING attempts whose lease expired (orchestrator.invocation_lease_expires_at''s rule: greatest(attempt start, last heartbeat of its agent, or of its node without an agent name) + lease is past), or whose invocation is in unheld_invocation_ids, of one node or (only_node_id NULL) of all: attempt LEASE_LOST; invocation QUEUED at once (announced), DEAD when out of attempts, CANCELLED when its cancellation was asked. api.node_heartbeat runs it for its node before it records the beat, so a beat never revives a lease that had already expired, with the RUNNING invocations its agent no longer holds as unheld_invocation_ids.';

-- A RUNNING invocation whose cancellation was asked, stopped by its node (fail or release): the
-- attempt and the invocation end CANCELLED; the node's error, if any, is kept on the attempt.
CREATE OR REPLACE FUNCTION orchestrator.invocation_cancelled(inv orchestrator.invocations, node_error jsonb) RETURNS api.invocation
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    ended orchestrator.invocations;
    problem constant jsonb := pg_catalog.jsonb_build_object('code', 'CANCELLED', 'message', coalesce(inv.cancel_reason, 'cancelled'));
BEGIN
    UPDATE orchestrator.invocation_attempts a SET ended_at = pg_catalog.now(), outcome = 'CANCELLED', error = coalesce(node_error, problem)
    WHERE a.invocation_id = inv.invocation_id AND a.attempt = inv.attempt;
    UPDATE orchestrator.invocations i
    SET state = 'CANCELLED', lease_token = NULL, run_deadline = NULL, finished_at = pg_catalog.now(), error = problem
    WHERE i.invocation_id = inv.invocation_id
    RETURNING * INTO ended;
    RETURN orchestrator.invocation_out(ended);
END
$$;
COMMENT ON FUNCTION orchestrator.invocation_cancelled(orchestrator.invocations, jsonb) IS
'Ends a RUNNING invocation whose cancellation was asked as CANCELLED, and its current attempt too (with the node''s error when it sent one). Called by api.invocation_fail and api.invocation_release.';

-- The sweep: bounded batches, rows taken with SKIP LOCKED so that concurrent sweeps (every
-- gateway worker each second, and every claim) never wait on each other or on a report.
CREATE OR REPLACE FUNCTION orchestrator.invocations_sweep_batch(batch integer) RETURNS api.invocations_swept
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    swept api.invocations_swept := ROW(0, 0, 0, 0, 0, 0)::api.invocations_swept;
BEGIN
    -- 1. Cancellation not honoured within the grace period (twice the lease): ended as CANCELLED.
    WITH due AS (
        SELECT i.invocation_id, i.attempt FROM orchestrator.invocations i
        WHERE i.state = 'RUNNING' AND i.cancel_requested_at IS NOT NULL AND i.cancel_requested_at + 2 * i.lease < pg_catalog.now()
        LIMIT batch FOR UPDATE SKIP LOCKED
    ), ended AS (
        UPDATE orchestrator.invocation_attempts a
        SET ended_at = pg_catalog.now(), outcome = 'CANCELLED',
            error = pg_catalog.jsonb_build_object('code', 'CANCELLED', 'message', 'cancelled; the node did not stop within the grace period')
        FROM due WHERE a.invocation_id = due.invocation_id AND a.attempt = due.attempt AND a.ended_at IS NULL
    ), moved AS (
        UPDATE orchestrator.invocations i
        SET state = 'CANCELLED', lease_token = NULL, finished_at = pg_catalog.now(),
            error = pg_catalog.jsonb_build_object('code', 'CANCELLED', 'message', coalesce(i.cancel_reason, 'cancelled'))
        FROM due WHERE i.invocation_id = due.invocation_id
        RETURNING 1
    )
    SELECT pg_catalog.count(*) INTO swept.cancelled FROM moved;

    -- 2. Run timeouts: the attempt ran past its run deadline; the invocation ends TIMED_OUT.
    WITH due AS (
        SELECT i.invocation_id, i.attempt FROM orchestrator.invocations i
        WHERE i.state = 'RUNNING' AND i.run_deadline IS NOT NULL AND i.run_deadline < pg_catalog.now()
        LIMIT batch FOR UPDATE SKIP LOCKED
    ), ended AS (
        UPDATE orchestrator.invocation_attempts a
        SET ended_at = pg_catalog.now(), outcome = 'TIMED_OUT',
            error = pg_catalog.jsonb_build_object('code', 'TIMED_OUT', 'message', 'the run timeout passed')
        FROM due WHERE a.invocation_id = due.invocation_id AND a.attempt = due.attempt AND a.ended_at IS NULL
    ), moved AS (
        UPDATE orchestrator.invocations i
        SET state = 'TIMED_OUT', lease_token = NULL, finished_at = pg_catalog.now(),
            error = pg_catalog.jsonb_build_object('code', 'TIMED_OUT', 'message',
                        pg_catalog.format('still running at its run deadline %s (run_timeout_seconds %s)',
                                          i.run_deadline, pg_catalog.date_part('epoch', i.run_timeout)))
        FROM due WHERE i.invocation_id = due.invocation_id
        RETURNING 1
    )
    SELECT pg_catalog.count(*) INTO swept.run_timed_out FROM moved;

    -- 3. Expired leases (orchestrator.invocation_leases_end, which each heartbeat runs for its node too).
    SELECT e.lease_lost, e.requeued, e.dead, swept.cancelled + e.cancelled
    INTO swept.lease_lost, swept.requeued, swept.dead, swept.cancelled
    FROM orchestrator.invocation_leases_end(NULL, batch) e;

    -- 4. Queue timeouts: waited past the queue deadline without being claimed.
    WITH due AS (
        SELECT i.invocation_id FROM orchestrator.invocations i
        WHERE i.state IN ('QUEUED', 'RETRY_WAIT') AND i.queue_deadline IS NOT NULL AND i.queue_deadline < pg_catalog.now()
        ORDER BY i.queue_deadline
        LIMIT batch FOR UPDATE SKIP LOCKED
    ), moved AS (
        UPDATE orchestrator.invocations i
        SET state = 'TIMED_OUT', finished_at = pg_catalog.now(),
            error = pg_catalog.jsonb_build_object('code', 'TIMED_OUT', 'message',
                        pg_catalog.format('not claimed by its queue deadline %s (queue_timeout_seconds %s)',
                                          i.queue_deadline, pg_catalog.date_part('epoch', i.queue_timeout)))
        FROM due WHERE i.invocation_id = due.invocation_id
        RETURNING 1
    )
    SELECT pg_catalog.count(*) INTO swept.queue_timed_out FROM moved;

    RETURN swept;
END
$$;
COMMENT ON FUNCTION orchestrator.invocations_sweep_batch(integer) IS
'One bounded sweep (at most batch rows per rule): cancellations past their grace period (2 x lease) end CANCELLED; run timeouts end TIMED_OUT; expired leases end their attempt LEASE_LOST and requeue the invocation (or DEAD when out of attempts, CANCELLED when cancellation was asked); queue timeouts end TIMED_OUT. Rows locked by others are skipped. Returns the counts.';

-- submit ----------------------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION api.invocation_submit(
    tool_id               uuid        DEFAULT NULL,
    tool_name             text        DEFAULT NULL,
    tool_version          text        DEFAULT NULL,
    input                 jsonb       DEFAULT '{}',
    priority              integer     DEFAULT 0,
    idempotency_key       text        DEFAULT NULL,
    not_before            timestamptz DEFAULT NULL,
    queue_timeout_seconds integer     DEFAULT NULL,
    run_timeout_seconds   integer     DEFAULT NULL,
    max_attempts          integer     DEFAULT 3,
    input_artifact_ids    uuid[]      DEFAULT '{}'
) RETURNS api.invocation
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
#variable_conflict use_column
DECLARE
    tool orchestrator.tools;
    who constant text := orchestrator.principal();
    value jsonb := coalesce(input, 'null');
    inputs uuid[] := coalesce(input_artifact_ids, '{}');
    created orchestrator.invocations;
    ctx jsonb;
    errors jsonb;
    missing uuid;
    starts timestamptz := greatest(pg_catalog.now(), coalesce(not_before, pg_catalog.now()));
    others_waiting boolean;
BEGIN
    -- The tool: by id, or by name (a version, or the latest ACTIVE one by semver).
    IF tool_id IS NOT NULL AND (tool_name IS NOT NULL OR tool_version IS NOT NULL) THEN
        RAISE EXCEPTION 'tool_name: give tool_id, or tool_name with an optional tool_version, not both'
            USING ERRCODE = 'invalid_parameter_value', COLUMN = CASE WHEN tool_name IS NOT NULL THEN 'tool_name' ELSE 'tool_version' END;
    ELSIF tool_id IS NOT NULL THEN
        SELECT * INTO tool FROM orchestrator.tools t WHERE t.tool_id = invocation_submit.tool_id;
        IF NOT FOUND THEN
            -- A reference in the body, as artifacts' tool_id: 23503 (409), not a missing resource.
            RAISE EXCEPTION 'tool_id: no tool has id %', tool_id USING ERRCODE = 'foreign_key_violation', COLUMN = 'tool_id';
        END IF;
    ELSIF tool_name IS NOT NULL THEN
        SELECT * INTO tool FROM orchestrator.tools t
        WHERE t.name = tool_name AND (tool_version IS NULL OR t.version = tool_version)
        ORDER BY (t.status = 'ACTIVE') DESC, t.version_key DESC
        LIMIT 1;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'tool_name: no tool is named % %', pg_catalog.quote_literal(tool_name),
                    coalesce('with version ' || pg_catalog.quote_literal(tool_version), '')
                USING ERRCODE = 'foreign_key_violation', COLUMN = CASE WHEN tool_version IS NULL THEN 'tool_name' ELSE 'tool_version' END;
        END IF;
    ELSE
        RAISE EXCEPTION 'tool_id: is required: give tool_id, or tool_name with an optional tool_version'
            USING ERRCODE = 'not_null_violation', COLUMN = 'tool_id';
    END IF;
    IF tool.status <> 'ACTIVE' THEN
        RAISE EXCEPTION 'tool_id: tool % (% %) is %; only an ACTIVE tool can be invoked', tool.tool_id, tool.name, tool.version, tool.status
            USING ERRCODE = 'check_violation', COLUMN = 'tool_id';
    END IF;

    -- A retry with the same idempotency key gets the invocation it made (the usual case: no insert).
    IF idempotency_key IS NOT NULL THEN
        SELECT * INTO created FROM orchestrator.invocations i
        WHERE i.submitter = who AND i.idempotency_key = invocation_submit.idempotency_key;
        IF FOUND THEN
            IF created.tool_id <> tool.tool_id OR created.input <> value THEN
                RAISE EXCEPTION 'idempotency_key: % was used for invocation % of another tool or input', pg_catalog.quote_literal(idempotency_key), created.invocation_id
                    USING ERRCODE = 'PT422', COLUMN = 'idempotency_key', HINT = 'Use a new key for a new invocation.';
            END IF;
            RETURN orchestrator.invocation_out(created);
        END IF;
        IF pg_catalog.length(idempotency_key) NOT BETWEEN 1 AND 255 THEN
            RAISE EXCEPTION 'idempotency_key: must be 1 to 255 characters' USING ERRCODE = 'check_violation', COLUMN = 'idempotency_key';
        END IF;
    END IF;

    -- The rules of the columns, checked here with their words (no exception block: one xid a submit).
    IF priority IS NULL OR priority NOT BETWEEN -100 AND 100 THEN
        RAISE EXCEPTION 'priority: must be between -100 and 100 (higher runs first), got %', coalesce(priority::text, 'null')
            USING ERRCODE = 'check_violation', COLUMN = 'priority';
    ELSIF max_attempts IS NULL OR max_attempts NOT BETWEEN 1 AND 100 THEN
        RAISE EXCEPTION 'max_attempts: must be between 1 and 100, got %', coalesce(max_attempts::text, 'null')
            USING ERRCODE = 'check_violation', COLUMN = 'max_attempts';
    ELSIF queue_timeout_seconds NOT BETWEEN 1 AND 2592000 THEN
        RAISE EXCEPTION 'queue_timeout_seconds: must be between 1 and 2592000 (30 days), got %', queue_timeout_seconds
            USING ERRCODE = 'check_violation', COLUMN = 'queue_timeout_seconds';
    ELSIF run_timeout_seconds NOT BETWEEN 1 AND 2592000 THEN
        RAISE EXCEPTION 'run_timeout_seconds: must be between 1 and 2592000 (30 days), got %', run_timeout_seconds
            USING ERRCODE = 'check_violation', COLUMN = 'run_timeout_seconds';
    ELSIF pg_catalog.cardinality(inputs) > 1000 THEN
        RAISE EXCEPTION 'input_artifact_ids: at most 1000 artifacts, got %', pg_catalog.cardinality(inputs)
            USING ERRCODE = 'check_violation', COLUMN = 'input_artifact_ids';
    END IF;
    IF pg_catalog.cardinality(inputs) > 0 THEN
        SELECT x.id INTO missing FROM pg_catalog.unnest(inputs) AS x(id)
        WHERE x.id IS NULL OR NOT EXISTS (SELECT FROM orchestrator.artifacts a WHERE a.artifact_id = x.id)
        LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'input_artifact_ids: no artifact has id %', coalesce(missing::text, 'null')
                USING ERRCODE = 'foreign_key_violation', COLUMN = 'input_artifact_ids';
        END IF;
    END IF;

    -- The input against the tool's input_schema, in this transaction: the errors travel as JSON in DETAIL.
    IF tool.input_schema NOT IN ('{}'::jsonb, 'true'::jsonb) THEN
        ctx := orchestrator.json_schema_compiled(tool.input_schema);
        IF NOT orchestrator.json_schema_is_valid(ctx, value) THEN
            SELECT pg_catalog.jsonb_agg(pg_catalog.to_jsonb(e)) INTO errors FROM orchestrator.json_schema_errors(ctx, value) e;
            RAISE EXCEPTION 'input: does not match the input_schema of tool % %: %', tool.name, tool.version,
                    coalesce((SELECT pg_catalog.string_agg(coalesce(NULLIF(e->>'instance_location', ''), '(root)') || ' ' || (e->>'message'), '; ')
                              FROM pg_catalog.jsonb_array_elements(errors) AS q(e)), 'invalid')
                USING ERRCODE = 'check_violation', COLUMN = 'input', DETAIL = coalesce(errors, '[]')::text,
                      HINT = 'DETAIL lists every error as JSON: instance_location, schema_location, message. POST /tools/{tool_id}/validate checks an input without submitting it.';
        END IF;
    END IF;

    INSERT INTO orchestrator.invocations AS i
        (tool_id, target_node_id, input, priority, submitter, submitted_by, idempotency_key, not_before, run_after,
         queue_timeout, queue_deadline, run_timeout, lease, max_attempts)
    VALUES (tool.tool_id, tool.target_node_id, value, priority, who,
            pg_catalog.jsonb_build_object(
                'role', CASE pg_catalog.current_setting('role') WHEN 'none' THEN SESSION_USER::text ELSE pg_catalog.current_setting('role') END,
                'key_id', NULLIF(pg_catalog.current_setting('aio.key_id', true), ''),
                'subject', NULLIF(pg_catalog.current_setting('aio.subject', true), '')),
            idempotency_key, not_before, starts,
            pg_catalog.make_interval(secs => queue_timeout_seconds), starts + pg_catalog.make_interval(secs => queue_timeout_seconds),
            pg_catalog.make_interval(secs => run_timeout_seconds), pg_catalog.make_interval(secs => tool.lease_seconds), max_attempts)
    ON CONFLICT (submitter, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
    RETURNING * INTO created;
    IF NOT FOUND THEN
        -- A concurrent submit with the same key committed first: its invocation is the answer.
        SELECT * INTO created FROM orchestrator.invocations i
        WHERE i.submitter = who AND i.idempotency_key = invocation_submit.idempotency_key;
        IF created.tool_id <> tool.tool_id OR created.input <> value THEN
            RAISE EXCEPTION 'idempotency_key: % was used for invocation % of another tool or input', pg_catalog.quote_literal(idempotency_key), created.invocation_id
                USING ERRCODE = 'PT422', COLUMN = 'idempotency_key', HINT = 'Use a new key for a new invocation.';
        END IF;
        RETURN orchestrator.invocation_out(created);
    END IF;
    IF pg_catalog.cardinality(inputs) > 0 THEN
        INSERT INTO orchestrator.invocation_input_artifacts (invocation_id, artifact_id)
        SELECT DISTINCT created.invocation_id, x.id FROM pg_catalog.unnest(inputs) AS x(id);
    END IF;
    -- Claims wait only when they found nothing: while other work with the same target (the same
    -- node, or none) is waiting to be claimed, no claim that could take this one is waiting, and
    -- the NOTIFY is left out (a transaction that notifies holds a database-wide lock through its
    -- commit: notifying submits commit one at a time). A claim that lost a race here waits at most
    -- until the gateway's fallback poll. Each look is ordered as its claim index: as an EXISTS,
    -- the cached generic plan took a sequential scan of the table when one node had most of the
    -- queue (30 ms a submit for any other node, with 10,000 waiting for one).
    IF starts <= pg_catalog.now() THEN
        IF created.target_node_id IS NULL THEN
            others_waiting := (
                SELECT true FROM orchestrator.invocations w
                WHERE w.state IN ('QUEUED', 'RETRY_WAIT') AND w.target_node_id IS NULL AND w.run_after <= pg_catalog.now()
                  AND w.invocation_id <> created.invocation_id
                  AND EXISTS (SELECT FROM orchestrator.tools t WHERE t.tool_id = w.tool_id AND t.status = 'ACTIVE')
                ORDER BY w.priority DESC, w.run_after, w.invocation_id LIMIT 1) IS NOT NULL;
        ELSE
            others_waiting := (
                SELECT true FROM orchestrator.invocations w
                WHERE w.state IN ('QUEUED', 'RETRY_WAIT') AND w.target_node_id = created.target_node_id AND w.run_after <= pg_catalog.now()
                  AND w.invocation_id <> created.invocation_id
                  AND EXISTS (SELECT FROM orchestrator.tools t WHERE t.tool_id = w.tool_id AND t.status = 'ACTIVE')
                ORDER BY w.target_node_id, w.priority DESC, w.run_after, w.invocation_id LIMIT 1) IS NOT NULL;
        END IF;
        IF NOT others_waiting THEN
            PERFORM orchestrator.invocation_notify(created.target_node_id);
        END IF;
    END IF;
    RETURN orchestrator.invocation_out(created);
END
$$;
COMMENT ON FUNCTION api.invocation_submit(uuid, text, text, jsonb, integer, text, timestamptz, integer, integer, integer, uuid[]) IS
'Asks for a tool to be run with an input; returns the QUEUED invocation.
The tool is tool_id, or tool_name with tool_version (without one: the latest ACTIVE version by semver); it must be ACTIVE. The input is validated against the tool''s input_schema in this transaction. With an idempotency_key, a second submit by the same caller (API key, token subject or role) returns the first invocation instead of making another, also when both run at once. priority -100..100 (higher first); not_before: not claimed earlier; queue_timeout_seconds: TIMED_OUT when not claimed that long after it could be; run_timeout_seconds: TIMED_OUT when an attempt runs longer; max_attempts 1..100. The lease is the tool''s lease_seconds. Callable inside a caller''s transaction: a rolled-back submit leaves nothing and wakes nobody (NOTIFY aio_invocations at commit, sent only when no other work with the same target node, or none, is waiting to be claimed: otherwise no claim that could take it is waiting).
Example: SELECT invocation_id, state FROM api.invocation_submit(tool_name => ''doc-translator'', input => ''{"text": "Hallo", "to": "en"}'', idempotency_key => ''order-42'');
Errors: 23514 input does not match the input_schema (DETAIL: the validator''s errors as a JSON array; over HTTP the problem''s errors), the tool is not ACTIVE (tool_id), priority, max_attempts, a timeout or idempotency_key out of range; 23502 neither tool_id nor tool_name; 22023 tool_id together with tool_name or tool_version; 23503 no tool has this tool_id, tool_name or tool_version, or an input_artifact_ids entry names no artifact; PT422 the idempotency_key was used for another tool or input.
Route: POST /invocations/ -> 201';

-- get, list --------------------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION api.invocation_get(invocation_id uuid) RETURNS api.invocation
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
    inv orchestrator.invocations;
BEGIN
    SELECT * INTO inv FROM orchestrator.invocations i WHERE i.invocation_id = invocation_get.invocation_id;
    IF NOT FOUND THEN
        PERFORM orchestrator.invocation_not_found(invocation_get.invocation_id);
    END IF;
    -- A node key reads the invocations meant for its node or run by it.
    IF pg_catalog.current_setting('role') = 'aio_node'
       AND NULLIF(pg_catalog.current_setting('aio.node_id', true), '')::uuid IS DISTINCT FROM inv.node_id THEN
        PERFORM orchestrator.check_own_node(inv.target_node_id, 'invocation_id', 'read invocations targeted at its node or run by it');
    END IF;
    RETURN orchestrator.invocation_out(inv);
END
$$;
COMMENT ON FUNCTION api.invocation_get(uuid) IS
'One invocation with its attempts (every claim: node, start, end, outcome, error) and its input artifacts. A node key reads the invocations targeted at its node or run by it.
Example: SELECT state, output, attempts FROM api.invocation_get(invocation_id => ''3f2a9d1e-6c1b-4f7a-9e55-2b8c0d4e6f70'');
Errors: P0002 no invocation has this id; 42501 a node key reading another node''s invocation; 22P02 invocation_id is not a UUID.
Route: GET /invocations/{invocation_id}';

CREATE OR REPLACE FUNCTION api.invocation_list(
    state     text    DEFAULT NULL,
    tool_id   uuid    DEFAULT NULL,
    node_id   uuid    DEFAULT NULL,
    "limit"   integer DEFAULT 50,
    cursor    text    DEFAULT NULL
) RETURNS SETOF api.invocation_item
LANGUAGE plpgsql STABLE SECURITY DEFINER
-- One generic plan per session, not a plan per call (which costs about a quarter of a call): each
-- filter has its own branch below, reading its index in list order from the cursor on; only the
-- branch of the filters given runs (the others stop at their one-time filter). Sorts are ruled
-- out so that a branch never collects a whole tool's or node's rows to sort them (jit off: the
-- sort penalty in the cost would start the JIT compiler).
SET search_path = '' SET enable_sort = off SET jit = off SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    after jsonb := orchestrator.cursor_decode(cursor, 2);
    -- The first page starts after the newest possible row.
    after_at timestamptz := 'infinity'::timestamptz;
    after_id uuid := 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid;
BEGIN
    PERFORM orchestrator.check_limit("limit");
    PERFORM orchestrator.check_enum('state', invocation_list.state, orchestrator.invocation_states());
    IF after IS NOT NULL THEN
        BEGIN
            IF pg_catalog.jsonb_typeof(after->0) <> 'string' OR pg_catalog.jsonb_typeof(after->1) <> 'string' THEN
                RAISE invalid_parameter_value;
            END IF;
            after_at := (after->>0)::timestamptz;
            after_id := (after->>1)::uuid;
        EXCEPTION WHEN data_exception THEN
            RAISE EXCEPTION 'cursor: % is not a cursor issued by this list', pg_catalog.quote_literal(cursor)
                USING ERRCODE = 'invalid_parameter_value', COLUMN = 'cursor',
                      HINT = 'Pass the cursor of the last item of the previous page, or omit it to start at the first page.';
        END;
    END IF;
    RETURN QUERY
    SELECT i.invocation_id, i.tool_id, t.name, t.version, i.target_node_id, i.state, i.priority, i.input, i.output, i.error,
           i.attempt, i.max_attempts, i.node_id, i.idempotency_key, i.submitted_by, i.not_before, i.run_after,
           i.queue_deadline, i.run_deadline, i.cancel_requested_at, i.created_at, i.started_at, i.finished_at, i.updated_at,
           orchestrator.cursor_encode(pg_catalog.jsonb_build_array(i.created_at, i.invocation_id))
    FROM ((SELECT w.created_at, w.invocation_id FROM orchestrator.invocations w
           WHERE invocation_list.tool_id IS NOT NULL AND w.tool_id = invocation_list.tool_id
             AND (w.created_at, w.invocation_id) < (after_at, after_id)
             AND (invocation_list.node_id IS NULL OR w.node_id = invocation_list.node_id)
             AND (invocation_list.state IS NULL OR w.state = invocation_list.state)
           ORDER BY w.created_at DESC, w.invocation_id DESC LIMIT "limit")
          UNION ALL
          (SELECT w.created_at, w.invocation_id FROM orchestrator.invocations w
           WHERE invocation_list.tool_id IS NULL AND invocation_list.node_id IS NOT NULL AND w.node_id = invocation_list.node_id
             AND (w.created_at, w.invocation_id) < (after_at, after_id)
             AND (invocation_list.state IS NULL OR w.state = invocation_list.state)
           ORDER BY w.created_at DESC, w.invocation_id DESC LIMIT "limit")
          UNION ALL
          (SELECT w.created_at, w.invocation_id FROM orchestrator.invocations w
           WHERE invocation_list.tool_id IS NULL AND invocation_list.node_id IS NULL AND invocation_list.state IS NOT NULL
             AND w.state = invocation_list.state AND (w.created_at, w.invocation_id) < (after_at, after_id)
           ORDER BY w.created_at DESC, w.invocation_id DESC LIMIT "limit")
          UNION ALL
          (SELECT w.created_at, w.invocation_id FROM orchestrator.invocations w
           WHERE invocation_list.tool_id IS NULL AND invocation_list.node_id IS NULL AND invocation_list.state IS NULL
             AND (w.created_at, w.invocation_id) < (after_at, after_id)
           ORDER BY w.created_at DESC, w.invocation_id DESC LIMIT "limit")) AS page
    JOIN orchestrator.invocations i ON i.invocation_id = page.invocation_id
    JOIN orchestrator.tools t ON t.tool_id = i.tool_id
    ORDER BY page.created_at DESC, page.invocation_id DESC;
END
$$;
COMMENT ON FUNCTION api.invocation_list(text, uuid, uuid, integer, text) IS
'Invocations, newest first; filters: state, tool_id, node_id (the node of the current or last attempt). Keyset pagination. Attempts: api.invocation_get.
Example: SELECT invocation_id, tool_name, state FROM api.invocation_list(state => ''RUNNING'', "limit" => 20);
Errors: 22023 unknown state, limit outside 1..1000, or a bad cursor; 22P02 an id is not a UUID.
Route: GET /invocations/';

-- The queue at a glance ----------------------------------------------------------------------------
-- Only unfinished rows are read (the state index), so the cost follows the queue, not the history.
-- PL/pgSQL for its cached plan: a SQL function would be planned again on every call (7 ms).
CREATE OR REPLACE FUNCTION api.invocation_queue() RETURNS SETOF api.invocation_queue_entry
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
BEGIN
    RETURN QUERY
    WITH unfinished AS (
        SELECT i.tool_id, i.target_node_id,
               pg_catalog.count(*) FILTER (WHERE i.state <> 'RUNNING' AND i.run_after <= pg_catalog.now())::integer AS ready,
               pg_catalog.count(*) FILTER (WHERE i.state <> 'RUNNING' AND i.run_after > pg_catalog.now())::integer AS scheduled,
               pg_catalog.count(*) FILTER (WHERE i.state = 'RUNNING')::integer AS running,
               pg_catalog.count(*) FILTER (WHERE i.state = 'RUNNING' AND i.cancel_requested_at IS NOT NULL)::integer AS cancelling,
               pg_catalog.min(i.run_after) FILTER (WHERE i.state <> 'RUNNING' AND i.run_after <= pg_catalog.now()) AS oldest_ready_at
        FROM orchestrator.invocations i
        WHERE i.state IN ('QUEUED', 'RETRY_WAIT', 'RUNNING')
        GROUP BY i.tool_id, i.target_node_id
    ), beating AS (
        -- Whether any node would take untargeted work: ACTIVE, and heard from within the DOWN threshold.
        SELECT EXISTS (SELECT FROM orchestrator.nodes n JOIN orchestrator.node_heartbeats h ON h.node_id = n.node_id
                       WHERE orchestrator.node_health(n.status, h.last_heartbeat_at) IN ('HEALTHY', 'STALE')) AS any_node
    )
    SELECT u.tool_id, t.name, t.version, t.status, u.target_node_id, n.name, health.health,
           u.ready, u.scheduled, u.running, u.cancelling, u.oldest_ready_at,
           pg_catalog.round(pg_catalog.date_part('epoch', pg_catalog.now() - u.oldest_ready_at)::numeric, 3),
           CASE WHEN u.ready = 0 THEN NULL
                WHEN t.status <> 'ACTIVE' THEN pg_catalog.format('the tool is %s: claims take only invocations of ACTIVE tools', t.status)
                WHEN u.target_node_id IS NOT NULL AND health.health NOT IN ('HEALTHY', 'STALE')
                    THEN pg_catalog.format('the target node %s is %s', coalesce(n.name, u.target_node_id::text), health.health)
                WHEN u.target_node_id IS NULL AND NOT beating.any_node THEN 'no ACTIVE node has sent a heartbeat in the last 120 seconds'
           END
    FROM unfinished u
    -- One index probe per group (OFFSET 0 keeps it a subquery): joined, the planner hashes the
    -- whole tools table even for 2,000 groups (107 of 158 ms at SCALE=1).
    CROSS JOIN LATERAL (SELECT t.name, t.version, t.status, t.version_key FROM orchestrator.tools t
                        WHERE t.tool_id = u.tool_id OFFSET 0) AS t
    LEFT JOIN orchestrator.nodes n ON n.node_id = u.target_node_id
    LEFT JOIN orchestrator.node_heartbeats h ON h.node_id = u.target_node_id
    CROSS JOIN beating
    CROSS JOIN LATERAL (SELECT CASE WHEN u.target_node_id IS NOT NULL THEN orchestrator.node_health(n.status, h.last_heartbeat_at) END AS health) AS health
    ORDER BY u.oldest_ready_at NULLS LAST, t.name, t.version_key, u.tool_id, u.target_node_id NULLS FIRST;
END
$$;
COMMENT ON FUNCTION api.invocation_queue() IS
'The queue at a glance, for operators: per tool version and target node (none: any node may claim), the unfinished invocations: ready (claimable now), scheduled (waiting for not_before or a retry''s backoff), running, cancelling; when the oldest ready one became claimable and how long it has waited (longest_wait_seconds); and stalled_reason when ready work cannot be claimed: the tool is not ACTIVE, the target node is DOWN, MAINTENANCE, INACTIVE or UNKNOWN (never beat), or, for untargeted work, no ACTIVE node has beaten within 120 s. The longest wait comes first. Reads only unfinished rows: finished history does not slow it.
Example: SELECT tool_name, ready, running, longest_wait_seconds, stalled_reason FROM api.invocation_queue();
Errors: none.
Route: GET /monitoring/invocation-queue';

-- cancel -----------------------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION api.invocation_cancel(invocation_id uuid, reason text DEFAULT NULL) RETURNS api.invocation
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
    inv orchestrator.invocations;
BEGIN
    IF pg_catalog.length(reason) > 1000 THEN
        RAISE EXCEPTION 'reason: must be at most 1000 characters' USING ERRCODE = 'check_violation', COLUMN = 'reason';
    END IF;
    SELECT * INTO inv FROM orchestrator.invocations i WHERE i.invocation_id = invocation_cancel.invocation_id FOR UPDATE;
    IF NOT FOUND THEN
        PERFORM orchestrator.invocation_not_found(invocation_cancel.invocation_id);
    END IF;
    IF inv.state IN ('QUEUED', 'RETRY_WAIT') THEN
        UPDATE orchestrator.invocations i
        SET state = 'CANCELLED', finished_at = pg_catalog.now(), cancel_requested_at = pg_catalog.now(), cancel_reason = reason,
            error = pg_catalog.jsonb_build_object('code', 'CANCELLED', 'message', coalesce(reason, 'cancelled'))
        WHERE i.invocation_id = inv.invocation_id
        RETURNING * INTO inv;
    ELSIF inv.state = 'RUNNING' THEN
        -- The node learns it from its next heartbeat (cancel_invocation_ids) and stops; if it does
        -- not within twice the lease, the sweep ends the invocation as CANCELLED.
        IF inv.cancel_requested_at IS NULL THEN
            UPDATE orchestrator.invocations i SET cancel_requested_at = pg_catalog.now(), cancel_reason = reason
            WHERE i.invocation_id = inv.invocation_id
            RETURNING * INTO inv;
        END IF;
    ELSE
        RAISE EXCEPTION 'state: invocation % is already %; only a QUEUED, RETRY_WAIT or RUNNING invocation can be cancelled', inv.invocation_id, inv.state
            USING ERRCODE = 'PT409', COLUMN = 'state';
    END IF;
    RETURN orchestrator.invocation_out(inv);
END
$$;
COMMENT ON FUNCTION api.invocation_cancel(uuid, text) IS
'Cancels an invocation. QUEUED or RETRY_WAIT: CANCELLED at once. RUNNING: the cancellation is requested (cancel_requested_at); its node learns it from its next heartbeat (cancel_invocation_ids), stops, and reports with fail (or release): the invocation ends CANCELLED; if the node does not finish it within twice the lease, the sweep ends it as CANCELLED. A result the node reports before that is still recorded. Cancelling a RUNNING invocation twice changes nothing.
Example: SELECT state, cancel_requested_at FROM api.invocation_cancel(invocation_id => ''3f2a9d1e-6c1b-4f7a-9e55-2b8c0d4e6f70'', reason => ''superseded'');
Errors: P0002 no invocation has this id; PT409 the invocation is already in a final state (named); 23514 reason over 1000 characters.
Route: POST /invocations/{invocation_id}/cancel -> 200';

-- claim -----------------------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION api.node_claim(node_id uuid, "limit" integer DEFAULT 1, wait_seconds integer DEFAULT 0,
                                          agent text DEFAULT NULL)
RETURNS SETOF api.invocation_claim
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
-- No sort: a claim walks the claim indexes in claim order and stops after "limit" rows. Left
-- free, the planner may sort the whole queue instead, when its statistics are stale or when a
-- cached plan assumes that a LIMIT takes a tenth of the queue. With sorts ruled out, the plan does
-- not depend on the values: planned once per session (a sort it cannot avoid, of the rows claimed,
-- still runs; jit off, as the penalty added to its cost would start the JIT compiler).
SET search_path = '' SET enable_sort = off SET jit = off SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    node_status text;
    picked uuid[];
BEGIN
    PERFORM orchestrator.check_own_node(node_claim.node_id, 'node_id', 'claim work for its own node');
    IF "limit" IS NULL OR "limit" NOT BETWEEN 1 AND 100 THEN
        RAISE EXCEPTION 'limit: must be between 1 and 100, got %', coalesce("limit"::text, 'null')
            USING ERRCODE = 'invalid_parameter_value', COLUMN = 'limit';
    ELSIF wait_seconds IS NULL OR wait_seconds NOT BETWEEN 0 AND 60 THEN
        RAISE EXCEPTION 'wait_seconds: must be between 0 and 60, got %', coalesce(wait_seconds::text, 'null')
            USING ERRCODE = 'invalid_parameter_value', COLUMN = 'wait_seconds';
    ELSIF pg_catalog.length(agent) NOT BETWEEN 1 AND 200 THEN
        RAISE EXCEPTION 'agent: must be 1 to 200 characters, got %', pg_catalog.length(agent)
            USING ERRCODE = 'invalid_parameter_value', COLUMN = 'agent';
    END IF;
    SELECT n.status INTO node_status FROM orchestrator.nodes n WHERE n.node_id = node_claim.node_id;
    IF NOT FOUND THEN
        PERFORM orchestrator.node_not_found(node_claim.node_id);
    END IF;
    -- No timer waits on a daemon: claims end leases, timeouts and cancellations too, a few at a
    -- time, at most once a second per session (the gateway sweeps every second anyway).
    IF coalesce(NULLIF(pg_catalog.current_setting('aio.claim_swept_at', true), '')::timestamptz, '-infinity')
       < pg_catalog.clock_timestamp() - interval '1 second' THEN
        PERFORM orchestrator.invocations_sweep_batch(10);
        PERFORM pg_catalog.set_config('aio.claim_swept_at', pg_catalog.clock_timestamp()::text, false);
    END IF;
    IF node_status <> 'ACTIVE' THEN
        RETURN;  -- a node in MAINTENANCE, INACTIVE or ERROR is given no work
    END IF;
    SELECT pg_catalog.array_agg(p.invocation_id) INTO picked FROM (
        -- The waiting work of this node and of any node, each range read in claim order from its
        -- index and the two merged; each candidate is then locked on its own (its state checked
        -- again), and the claim stops after "limit" rows. Locking in a subquery of one table keeps
        -- the recheck of a row changed meanwhile to that row: on the join, the recheck would scan
        -- the merged ranges again for every such row.
        SELECT locked.invocation_id
        FROM ((SELECT w.invocation_id, w.priority, w.run_after FROM orchestrator.invocations w
               WHERE w.state IN ('QUEUED', 'RETRY_WAIT') AND w.target_node_id = node_claim.node_id AND w.run_after <= pg_catalog.now()
               ORDER BY w.priority DESC, w.run_after, w.invocation_id)
              UNION ALL
              (SELECT w.invocation_id, w.priority, w.run_after FROM orchestrator.invocations w
               WHERE w.state IN ('QUEUED', 'RETRY_WAIT') AND w.target_node_id IS NULL AND w.run_after <= pg_catalog.now()
               ORDER BY w.priority DESC, w.run_after, w.invocation_id)) AS waiting
        CROSS JOIN LATERAL (
            SELECT i.invocation_id FROM orchestrator.invocations i
            WHERE i.invocation_id = waiting.invocation_id AND i.state IN ('QUEUED', 'RETRY_WAIT')
              AND EXISTS (SELECT FROM orchestrator.tools t WHERE t.tool_id = i.tool_id AND t.status = 'ACTIVE')
            FOR UPDATE OF i SKIP LOCKED) AS locked
        ORDER BY waiting.priority DESC, waiting.run_after, waiting.invocation_id
        LIMIT "limit"
    ) AS p;
    RETURN QUERY
    WITH claimed AS (
        UPDATE orchestrator.invocations i
        SET state = 'RUNNING', attempt = i.attempt + 1, node_id = node_claim.node_id, lease_token = pg_catalog.gen_random_uuid(),
            started_at = coalesce(i.started_at, pg_catalog.now()), queue_deadline = NULL,
            run_deadline = pg_catalog.now() + i.run_timeout
        WHERE i.invocation_id = ANY (picked)
        RETURNING i.invocation_id, i.tool_id, i.input, i.attempt, i.node_id, i.lease_token, i.lease, i.run_deadline, i.priority, i.run_after
    ), attempts AS (
        INSERT INTO orchestrator.invocation_attempts (invocation_id, attempt, node_id, agent, lease_token, started_at)
        SELECT c.invocation_id, c.attempt, c.node_id, node_claim.agent, c.lease_token, pg_catalog.now() FROM claimed c
    )
    SELECT c.invocation_id, c.tool_id, t.name, t.version, c.input, c.attempt, c.lease_token,
           pg_catalog.now() + c.lease, c.run_deadline
    FROM claimed c JOIN orchestrator.tools t ON t.tool_id = c.tool_id
    ORDER BY c.priority DESC, c.run_after, c.invocation_id;
END
$$;
COMMENT ON FUNCTION api.node_claim(uuid, integer, integer, text) IS
'Hands a node up to limit (1..100) invocations it may run: QUEUED or due RETRY_WAIT ones of ACTIVE tools targeted at this node or at none, highest priority first, then oldest. Each comes with a new lease token, which every report about it must present, and its lease end. agent names the agent process that claims (1..200 characters; the reference agent sends its host name, or --name): its own heartbeats (api.node_heartbeat with the same agent) renew the lease, and only its beats may end the attempt as not held, so several agents can serve one node. Without agent, the node''s beats without an agent name renew it (a named agent''s beats neither renew nor end it). A lease ends lease_seconds after the later of the claim and the last such beat. Claims taken at once by several nodes never get the same invocation (FOR UPDATE SKIP LOCKED). A node that is not ACTIVE gets nothing. A claim first runs a small sweep (expired leases, timeouts) when its session has not swept in the last second. wait_seconds (0..60) is for the gateway, which holds an HTTP claim that found nothing until work is announced (NOTIFY aio_invocations) or the time is up; in SQL it is only checked.
Example: SELECT invocation_id, tool_name, input, lease_token FROM api.node_claim(node_id => ''6f1c1e0e-6b3e-4bb0-9b62-1a6f3f2f4a10'', "limit" => 4, agent => ''gpu-host-1'');
Errors: P0002 no node has this id; 42501 a node key claiming for another node; 22023 limit outside 1..100, wait_seconds outside 0..60, or agent not 1..200 characters.
Route: POST /nodes/{node_id}/claim -> 200';

-- complete, fail, release -----------------------------------------------------------------------
-- A result reported for a held invocation (orchestrator.invocation_held): the output checked
-- against the output_schema, the artifacts recorded, the attempt and the invocation ended. For
-- api.invocation_complete and api.invocation_complete_batch.
CREATE OR REPLACE FUNCTION orchestrator.invocation_completed(inv orchestrator.invocations, output jsonb, artifacts jsonb)
RETURNS orchestrator.invocations
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    tool orchestrator.tools;
    value jsonb := coalesce(output, 'null');
    items jsonb := coalesce(artifacts, '[]');
    ctx jsonb;
    errors jsonb;
    problem jsonb;
    counted integer;
    next_state text;
    retry_at timestamptz;
BEGIN
    SELECT * INTO tool FROM orchestrator.tools t WHERE t.tool_id = inv.tool_id;

    IF tool.output_schema NOT IN ('{}'::jsonb, 'true'::jsonb) THEN
        ctx := orchestrator.json_schema_compiled(tool.output_schema);
        IF NOT orchestrator.json_schema_is_valid(ctx, value) THEN
            SELECT pg_catalog.jsonb_agg(pg_catalog.to_jsonb(e)) INTO errors FROM orchestrator.json_schema_errors(ctx, value) e;
            errors := coalesce(errors, '[]');
        END IF;
    END IF;

    IF errors IS NULL THEN
        -- The artifacts are recorded by the rules of POST /artifacts/batch, as the tool's and the node's.
        IF pg_catalog.jsonb_array_length(items) > 0 THEN
            PERFORM FROM orchestrator.artifacts_record(
                (SELECT pg_catalog.jsonb_agg(CASE WHEN pg_catalog.jsonb_typeof(e.item) = 'object'
                                                  THEN e.item || pg_catalog.jsonb_build_object('tool_id', inv.tool_id, 'node_id', inv.node_id)
                                                  ELSE e.item END ORDER BY e.ord)
                 FROM pg_catalog.jsonb_array_elements(items) WITH ORDINALITY AS e(item, ord)),
                inv.invocation_id);
        END IF;
        UPDATE orchestrator.invocation_attempts a SET ended_at = pg_catalog.now(), outcome = 'SUCCEEDED'
        WHERE a.invocation_id = inv.invocation_id AND a.attempt = inv.attempt;
        UPDATE orchestrator.invocations i
        SET state = 'SUCCEEDED', output = value, error = NULL, lease_token = NULL, run_deadline = NULL, finished_at = pg_catalog.now()
        WHERE i.invocation_id = inv.invocation_id
        RETURNING * INTO inv;
    ELSE
        -- Never SUCCEEDED: the attempt ends OUTPUT_INVALID; retried only when the tool says so.
        problem := pg_catalog.jsonb_build_object('code', 'OUTPUT_INVALID',
            'message', pg_catalog.format('the output does not match the output_schema of tool %s %s', tool.name, tool.version),
            'errors', errors);
        UPDATE orchestrator.invocation_attempts a SET ended_at = pg_catalog.now(), outcome = 'OUTPUT_INVALID', error = problem
        WHERE a.invocation_id = inv.invocation_id AND a.attempt = inv.attempt;
        counted := orchestrator.invocation_counted_attempts(inv.invocation_id);
        next_state := CASE WHEN NOT tool.retry_output_invalid THEN 'OUTPUT_INVALID'
                           WHEN counted >= inv.max_attempts THEN 'DEAD'
                           ELSE 'RETRY_WAIT' END;
        retry_at := CASE WHEN next_state = 'RETRY_WAIT' THEN pg_catalog.now() + orchestrator.invocation_retry_delay(counted) END;
        UPDATE orchestrator.invocations i
        SET state = next_state, error = problem, lease_token = NULL, run_deadline = NULL,
            output = CASE WHEN next_state = 'RETRY_WAIT' THEN NULL ELSE value END,
            run_after = coalesce(retry_at, i.run_after),
            queue_deadline = retry_at + i.queue_timeout,
            finished_at = CASE WHEN next_state = 'RETRY_WAIT' THEN NULL ELSE pg_catalog.now() END
        WHERE i.invocation_id = inv.invocation_id
        RETURNING * INTO inv;
        IF next_state = 'RETRY_WAIT' THEN
            PERFORM orchestrator.invocation_notify(inv.target_node_id);
        END IF;
    END IF;
    RETURN inv;
END
$$;
COMMENT ON FUNCTION orchestrator.invocation_completed(orchestrator.invocations, jsonb, jsonb) IS
'Records the result of a held invocation (orchestrator.invocation_held): SUCCEEDED with its output and artifacts, or, when the output breaks the tool''s output_schema, the attempt OUTPUT_INVALID and the invocation OUTPUT_INVALID, RETRY_WAIT or DEAD. Returns the row as it is after.';

CREATE OR REPLACE FUNCTION api.invocation_complete(invocation_id uuid, lease_token uuid, output jsonb, artifacts jsonb DEFAULT '[]')
RETURNS api.invocation
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
    inv orchestrator.invocations;
BEGIN
    IF pg_catalog.jsonb_typeof(coalesce(artifacts, '[]')) <> 'array' THEN
        RAISE EXCEPTION 'artifacts: must be a JSON array of artifact objects, got %', pg_catalog.jsonb_typeof(artifacts)
            USING ERRCODE = 'invalid_parameter_value', COLUMN = 'artifacts';
    END IF;
    inv := orchestrator.invocation_held(invocation_id, lease_token);
    -- Two statements: the answer reads the attempts after the writes (a STABLE function in the
    -- same expression would read them as they were when the expression began).
    inv := orchestrator.invocation_completed(inv, output, artifacts);
    RETURN orchestrator.invocation_out(inv);
END
$$;
COMMENT ON FUNCTION api.invocation_complete(uuid, uuid, jsonb, jsonb) IS
'Reports the result of a RUNNING invocation: its output, and the artifacts it produced (a JSON array of artifact bodies as POST /artifacts/batch takes them; recorded in this transaction with this invocation as their producer, and the invocation''s tool and node). The output is validated against the tool''s output_schema: when it does not match, the attempt ends OUTPUT_INVALID, no artifact is recorded, and the invocation is OUTPUT_INVALID (final; output and errors kept) or, when the tool has retry_output_invalid, RETRY_WAIT (DEAD when out of attempts). Otherwise SUCCEEDED.
lease_token must be the one the claim returned; a report after the lease expired (the node stopped heartbeating) or after the run deadline is refused, even before the sweep has ended the attempt, and changes nothing.
Example: SELECT state FROM api.invocation_complete(invocation_id => ''3f2a9d1e-6c1b-4f7a-9e55-2b8c0d4e6f70'', lease_token => ''0e8f5b7a-2d4c-4b1e-9f3a-6c5d4e3f2a1b'', output => ''{"text": "Hello"}'', artifacts => ''[{"name": "out.txt", "uri": "s3://results/out.txt", "size_bytes": 5}]'');
Errors: PT409 a stale or unknown lease token, an invocation no longer RUNNING (its state named), a lost lease or a passed run deadline; P0002 no invocation has this id; 42501 a node key reporting on another node''s invocation; 23502 lease_token missing; 22023, 22P02, 23502, 23514 a bad artifact (named as artifacts[i].field, as POST /artifacts/batch does).
Route: POST /invocations/{invocation_id}/complete -> 200';

-- Many results in one call and one commit: a node that finishes many short runs reports them
-- together. All or nothing, so that a refused item (its lease lost) leaves the others to be
-- reported again, one by one or in a new batch.
CREATE OR REPLACE FUNCTION api.invocation_complete_batch(completions jsonb) RETURNS SETOF api.invocation_completion
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
    item jsonb;
    n integer := 0;
    inv orchestrator.invocations;
    unknown text;
    code text;
    message text;
    detail text;
    hint text;
    field text;
BEGIN
    IF completions IS NULL OR pg_catalog.jsonb_typeof(completions) <> 'array' THEN
        RAISE EXCEPTION 'completions: must be a JSON array of {invocation_id, lease_token, output, artifacts} objects, got %',
                coalesce(pg_catalog.jsonb_typeof(completions), 'null')
            USING ERRCODE = 'invalid_parameter_value', COLUMN = 'completions';
    ELSIF pg_catalog.jsonb_array_length(completions) > 1000 THEN
        RAISE EXCEPTION 'completions: at most 1000 items, got %', pg_catalog.jsonb_array_length(completions)
            USING ERRCODE = 'invalid_parameter_value', COLUMN = 'completions';
    END IF;
    -- One handler for the whole loop (one subtransaction, not one per item): it names the item.
    BEGIN
        FOR item IN SELECT e.item FROM pg_catalog.jsonb_array_elements(completions) AS e(item) LOOP
            IF pg_catalog.jsonb_typeof(item) <> 'object' THEN
                RAISE EXCEPTION 'must be a JSON object, got %', pg_catalog.jsonb_typeof(item) USING ERRCODE = 'invalid_parameter_value';
            END IF;
            SELECT k.key INTO unknown FROM pg_catalog.jsonb_object_keys(item) AS k(key)
            WHERE k.key NOT IN ('invocation_id', 'lease_token', 'output', 'artifacts') LIMIT 1;
            IF FOUND THEN
                RAISE EXCEPTION '%: is not a field of a completion (invocation_id, lease_token, output, artifacts)', unknown
                    USING ERRCODE = 'invalid_parameter_value', COLUMN = unknown;
            ELSIF item->>'invocation_id' IS NULL THEN
                RAISE EXCEPTION 'invocation_id: is required and may not be null' USING ERRCODE = 'not_null_violation', COLUMN = 'invocation_id';
            ELSIF NOT item ? 'output' THEN
                RAISE EXCEPTION 'output: is required (null is an output)' USING ERRCODE = 'not_null_violation', COLUMN = 'output';
            ELSIF pg_catalog.jsonb_typeof(coalesce(item->'artifacts', '[]')) NOT IN ('array', 'null') THEN
                RAISE EXCEPTION 'artifacts: must be a JSON array of artifact objects, got %', pg_catalog.jsonb_typeof(item->'artifacts')
                    USING ERRCODE = 'invalid_parameter_value', COLUMN = 'artifacts';
            END IF;
            inv := orchestrator.invocation_held((item->>'invocation_id')::uuid, (item->>'lease_token')::uuid);
            inv := orchestrator.invocation_completed(inv, item->'output', NULLIF(item->'artifacts', 'null'));
            RETURN NEXT ROW(inv.invocation_id, inv.state, inv.attempt, inv.finished_at, inv.error)::api.invocation_completion;
            n := n + 1;
        END LOOP;
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE, message = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL,
                                hint = PG_EXCEPTION_HINT, field = COLUMN_NAME;
        IF code = 'P0002' THEN
            code := '23503';  -- an unknown invocation_id is a reference in the body, not a missing resource
        END IF;
        RAISE EXCEPTION '%', pg_catalog.format('completions[%s]', n) || CASE WHEN field <> '' THEN '.' ELSE ': ' END || message
            USING ERRCODE = code, DETAIL = detail, HINT = hint,
                  COLUMN = pg_catalog.format('completions[%s]', n) || coalesce('.' || NULLIF(field, ''), '');
    END;
END
$$;
COMMENT ON FUNCTION api.invocation_complete_batch(jsonb) IS
'Reports the results of many RUNNING invocations at once (at most 1000), all or nothing, in one transaction: each item is what api.invocation_complete takes, {"invocation_id": ..., "lease_token": ..., "output": ..., "artifacts": [...]} (artifacts optional, output required: null is an output), with the same rules: the output is validated against the tool''s output_schema (a mismatch ends the attempt OUTPUT_INVALID, and is not an error), the artifacts are recorded with the invocation as their producer. Returns one row per item, in the order given: the state it ended in, its attempt, when it finished, and (not SUCCEEDED) the error. When any item is refused, nothing is recorded and the error names the item and its field, e.g. completions[2].lease_token: stale; report the others again.
Example: SELECT invocation_id, state FROM api.invocation_complete_batch(completions => ''[{"invocation_id": "3f2a9d1e-6c1b-4f7a-9e55-2b8c0d4e6f70", "lease_token": "0e8f5b7a-2d4c-4b1e-9f3a-6c5d4e3f2a1b", "output": {"text": "Hello"}}]'');
Errors: 22023 completions not an array or over 1000 items, an item not an object, an unknown field, artifacts not an array, a bad artifact as for api.invocation_complete; 23502 invocation_id, lease_token or output missing; 22P02 invocation_id or lease_token not a UUID; PT409 a stale or unknown lease token, an invocation no longer RUNNING, a lost lease or a passed run deadline; 23503 no invocation has this invocation_id; 42501 a node key reporting on another node''s invocation.
Route: POST /invocations/complete -> 200';

CREATE OR REPLACE FUNCTION api.invocation_fail(invocation_id uuid, lease_token uuid, error jsonb, retryable boolean DEFAULT true)
RETURNS api.invocation
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
    inv orchestrator.invocations;
    counted integer;
    next_state text;
    retry_at timestamptz;
BEGIN
    IF error IS NULL OR pg_catalog.jsonb_typeof(error) <> 'object' THEN
        RAISE EXCEPTION 'error: must be a JSON object such as {"code": "...", "message": "..."}, got %', coalesce(pg_catalog.jsonb_typeof(error), 'null')
            USING ERRCODE = 'invalid_parameter_value', COLUMN = 'error';
    ELSIF pg_catalog.pg_column_size(error) > 65536 THEN
        RAISE EXCEPTION 'error: must be a JSON object of at most 64 kB' USING ERRCODE = 'check_violation', COLUMN = 'error';
    END IF;
    inv := orchestrator.invocation_held(invocation_id, lease_token);
    IF inv.cancel_requested_at IS NOT NULL THEN
        RETURN orchestrator.invocation_cancelled(inv, invocation_fail.error);  -- the node stopped it: cancelled, not failed
    END IF;
    UPDATE orchestrator.invocation_attempts a SET ended_at = pg_catalog.now(), outcome = 'FAILED', error = invocation_fail.error
    WHERE a.invocation_id = inv.invocation_id AND a.attempt = inv.attempt;
    counted := orchestrator.invocation_counted_attempts(inv.invocation_id);
    next_state := CASE WHEN NOT coalesce(retryable, true) THEN 'FAILED'
                       WHEN counted >= inv.max_attempts THEN 'DEAD'
                       ELSE 'RETRY_WAIT' END;
    retry_at := CASE WHEN next_state = 'RETRY_WAIT' THEN pg_catalog.now() + orchestrator.invocation_retry_delay(counted) END;
    UPDATE orchestrator.invocations i
    SET state = next_state, error = invocation_fail.error, lease_token = NULL, run_deadline = NULL,
        run_after = coalesce(retry_at, i.run_after),
        queue_deadline = retry_at + i.queue_timeout,
        finished_at = CASE WHEN next_state = 'RETRY_WAIT' THEN NULL ELSE pg_catalog.now() END
    WHERE i.invocation_id = inv.invocation_id
    RETURNING * INTO inv;
    IF next_state = 'RETRY_WAIT' THEN
        PERFORM orchestrator.invocation_notify(inv.target_node_id);
    END IF;
    RETURN orchestrator.invocation_out(inv);
END
$$;
COMMENT ON FUNCTION api.invocation_fail(uuid, uuid, jsonb, boolean) IS
'Reports that a RUNNING invocation failed, with an error object (e.g. {"code": "TIMEOUT", "message": "upstream did not answer"}). retryable (default true): RETRY_WAIT, claimable again after least(cap, base * 2^attempts) seconds with jitter (between half and all of it; settings invocation_retry_base_seconds 1, invocation_retry_cap_seconds 300), or DEAD once max_attempts attempts were made (every attempt is kept). Not retryable: FAILED. When the invocation''s cancellation was asked (the node learnt it from its heartbeat and stopped), it ends CANCELLED whatever retryable says, the error kept on the attempt. The same lease-token rules as complete.
Example: SELECT state, run_after FROM api.invocation_fail(invocation_id => ''3f2a9d1e-6c1b-4f7a-9e55-2b8c0d4e6f70'', lease_token => ''0e8f5b7a-2d4c-4b1e-9f3a-6c5d4e3f2a1b'', error => ''{"code": "UPSTREAM", "message": "503 from the model server"}'');
Errors: PT409 a stale or unknown lease token, an invocation no longer RUNNING (its state named), a lost lease or a passed run deadline; P0002 no invocation has this id; 42501 a node key reporting on another node''s invocation; 22023 error not a JSON object; 23514 error over 64 kB; 23502 lease_token missing.
Route: POST /invocations/{invocation_id}/fail -> 200';

CREATE OR REPLACE FUNCTION api.invocation_release(invocation_id uuid, lease_token uuid) RETURNS api.invocation
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
    inv orchestrator.invocations;
BEGIN
    inv := orchestrator.invocation_held(invocation_id, lease_token);
    IF inv.cancel_requested_at IS NOT NULL THEN
        RETURN orchestrator.invocation_cancelled(inv, NULL);  -- given back after a cancel request: it ends there
    END IF;
    UPDATE orchestrator.invocation_attempts a SET ended_at = pg_catalog.now(), outcome = 'RELEASED'
    WHERE a.invocation_id = inv.invocation_id AND a.attempt = inv.attempt;
    UPDATE orchestrator.invocations i
    SET state = 'QUEUED', lease_token = NULL, run_deadline = NULL, run_after = pg_catalog.now(),
        queue_deadline = pg_catalog.now() + i.queue_timeout
    WHERE i.invocation_id = inv.invocation_id
    RETURNING * INTO inv;
    PERFORM orchestrator.invocation_notify(inv.target_node_id);
    RETURN orchestrator.invocation_out(inv);
END
$$;
COMMENT ON FUNCTION api.invocation_release(uuid, uuid) IS
'Gives a RUNNING invocation back unrun (a node shutting down): QUEUED again at once, claimable by any node it may run on; the attempt ends RELEASED and does not count against max_attempts. When its cancellation was asked, it ends CANCELLED instead. The same lease-token rules as complete.
Example: SELECT state FROM api.invocation_release(invocation_id => ''3f2a9d1e-6c1b-4f7a-9e55-2b8c0d4e6f70'', lease_token => ''0e8f5b7a-2d4c-4b1e-9f3a-6c5d4e3f2a1b'');
Errors: PT409 a stale or unknown lease token, an invocation no longer RUNNING (its state named), a lost lease or a passed run deadline; P0002 no invocation has this id; 42501 a node key releasing another node''s invocation; 23502 lease_token missing.
Route: POST /invocations/{invocation_id}/release -> 200';

-- sweep, purge -----------------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION api.invocations_sweep("limit" integer DEFAULT 1000) RETURNS api.invocations_swept
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
BEGIN
    IF "limit" IS NULL OR "limit" NOT BETWEEN 1 AND 10000 THEN
        RAISE EXCEPTION 'limit: must be between 1 and 10000, got %', coalesce("limit"::text, 'null')
            USING ERRCODE = 'invalid_parameter_value', COLUMN = 'limit';
    END IF;
    RETURN orchestrator.invocations_sweep_batch("limit");
END
$$;
COMMENT ON FUNCTION api.invocations_sweep(integer) IS
'Ends what nobody will finish, at most limit rows per rule: attempts whose lease expired (their node stopped heartbeating for longer than the lease) end LEASE_LOST and their invocations are QUEUED again at once (DEAD when out of attempts; CANCELLED when cancellation was asked); attempts past their run deadline and invocations past their queue deadline end TIMED_OUT; RUNNING invocations whose cancellation the node did not honour within twice the lease end CANCELLED. Requeued work is announced (NOTIFY aio_invocations). The gateway calls it every second, and claims run a small one (at most once a second per session); rows another sweep holds are skipped.
Example: SELECT * FROM api.invocations_sweep("limit" => 1000);
Errors: 22023 limit outside 1..10000.
Route: POST /invocations/sweep -> 200';

CREATE OR REPLACE FUNCTION api.invocations_purge(older_than_days integer) RETURNS api.invocations_purged
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
    batch constant integer := 10000;
    cutoff timestamptz;
    n bigint;
BEGIN
    IF older_than_days IS NULL OR older_than_days NOT BETWEEN 1 AND 36500 THEN
        RAISE EXCEPTION 'older_than_days: must be between 1 and 36500, got %', coalesce(older_than_days::text, 'null')
            USING ERRCODE = 'invalid_parameter_value', COLUMN = 'older_than_days';
    END IF;
    cutoff := pg_catalog.now() - pg_catalog.make_interval(days => older_than_days);
    -- Oldest first through invocations_created_idx: finished before the cutoff implies created before it.
    WITH doomed AS (
        SELECT i.invocation_id FROM orchestrator.invocations i
        WHERE i.created_at < cutoff AND i.finished_at < cutoff
        ORDER BY i.created_at, i.invocation_id
        LIMIT batch
    )
    DELETE FROM orchestrator.invocations i USING doomed WHERE i.invocation_id = doomed.invocation_id;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN ROW(n, n = batch, cutoff)::api.invocations_purged;
END
$$;
COMMENT ON FUNCTION api.invocations_purge(integer) IS
'Deletes invocations that ended (a final state) more than older_than_days days ago, with their attempts and input links, at most 10,000 per call: call again while more is true. Artifacts they produced are kept (their invocation_id becomes NULL, so their lineage ends there).
Retention: nothing is deleted by itself. Final invocations stay until this runs; run it daily from cron, e.g. with older_than_days => 30. Claims do not slow down as finished invocations pile up (the claim index holds only waiting ones), but lists, storage and backups do.
Example: SELECT * FROM api.invocations_purge(older_than_days => 30);
Errors: 22023 older_than_days outside 1..36500.
Route: POST /maintenance/invocations/purge -> 200';

-- lineage ---------------------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION api.artifact_lineage(artifact_id uuid) RETURNS SETOF api.artifact_lineage_node
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
BEGIN
    IF NOT EXISTS (SELECT FROM orchestrator.artifacts a WHERE a.artifact_id = artifact_lineage.artifact_id) THEN
        PERFORM orchestrator.artifact_not_found(artifact_lineage.artifact_id);
    END IF;
    RETURN QUERY
    WITH RECURSIVE up(depth, artifact_id) AS (
        SELECT 0, artifact_lineage.artifact_id
        UNION
        SELECT u.depth + 1, x.artifact_id
        FROM up u
        JOIN orchestrator.artifacts a ON a.artifact_id = u.artifact_id
        JOIN orchestrator.invocation_input_artifacts x ON x.invocation_id = a.invocation_id
        WHERE u.depth < 100
    ), nearest AS (
        SELECT up.artifact_id, pg_catalog.min(up.depth) AS depth FROM up GROUP BY up.artifact_id
    )
    SELECT n.depth, a.artifact_id, a.name, a.uri, i.invocation_id, i.state, coalesce(i.tool_id, a.tool_id), t.name, t.version,
           coalesce(i.node_id, a.node_id),
           coalesce((SELECT pg_catalog.array_agg(x.artifact_id ORDER BY x.artifact_id)
                     FROM orchestrator.invocation_input_artifacts x WHERE x.invocation_id = i.invocation_id), '{}')
    FROM nearest n
    JOIN orchestrator.artifacts a ON a.artifact_id = n.artifact_id
    LEFT JOIN orchestrator.invocations i ON i.invocation_id = a.invocation_id
    LEFT JOIN orchestrator.tools t ON t.tool_id = coalesce(i.tool_id, a.tool_id)
    ORDER BY n.depth, a.artifact_id;
END
$$;
COMMENT ON FUNCTION api.artifact_lineage(uuid) IS
'The upstream graph of an artifact, one row per artifact: itself (depth 0), the invocation that produced it (state, tool version, node), that invocation''s input artifacts (depth 1), their producers and inputs, and so on (at most 100 levels). Each row lists its producer''s input_artifact_ids, the edges of the graph. An artifact recorded outside an invocation has no invocation and ends its branch.
Example: SELECT depth, artifact_name, tool_name, tool_version, node_id, input_artifact_ids FROM api.artifact_lineage(artifact_id => ''5d0f6a4e-8d8e-4c3e-b9a4-7f0e1e2d3c4b'');
Errors: P0002 no artifact has this id; 22P02 artifact_id is not a UUID.
Route: GET /artifacts/{artifact_id}/lineage';

-- a tool's invocation settings --------------------------------------------------------------------
CREATE OR REPLACE FUNCTION api.tool_invocation_settings_get(tool_id uuid) RETURNS api.tool_invocation_settings
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
    settings api.tool_invocation_settings;
BEGIN
    SELECT t.tool_id, t.lease_seconds, t.retry_output_invalid INTO settings
    FROM orchestrator.tools t WHERE t.tool_id = tool_invocation_settings_get.tool_id;
    IF NOT FOUND THEN
        PERFORM orchestrator.tool_not_found(tool_invocation_settings_get.tool_id);
    END IF;
    RETURN settings;
END
$$;
COMMENT ON FUNCTION api.tool_invocation_settings_get(uuid) IS
'How a tool''s invocations run: lease_seconds (a claim''s lease past the node''s last heartbeat) and retry_output_invalid.
Example: SELECT * FROM api.tool_invocation_settings_get(tool_id => ''0b6e3c52-3f0a-4d52-9c55-0d5e0c7c1a11'');
Errors: P0002 no tool has this id; 22P02 tool_id is not a UUID.
Route: GET /tools/{tool_id}/invocation-settings';

CREATE OR REPLACE FUNCTION api.tool_invocation_settings_update(tool_id uuid, lease_seconds integer DEFAULT NULL,
                                                               retry_output_invalid boolean DEFAULT NULL)
RETURNS api.tool_invocation_settings
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
    settings api.tool_invocation_settings;
BEGIN
    IF lease_seconds NOT BETWEEN 1 AND 3600 THEN
        RAISE EXCEPTION 'lease_seconds: must be between 1 and 3600, got %', lease_seconds
            USING ERRCODE = 'check_violation', COLUMN = 'lease_seconds', CONSTRAINT = 'tools_lease_seconds_range';
    END IF;
    UPDATE orchestrator.tools t
    SET lease_seconds = coalesce(tool_invocation_settings_update.lease_seconds, t.lease_seconds),
        retry_output_invalid = coalesce(tool_invocation_settings_update.retry_output_invalid, t.retry_output_invalid)
    WHERE t.tool_id = tool_invocation_settings_update.tool_id
    RETURNING t.tool_id, t.lease_seconds, t.retry_output_invalid INTO settings;
    IF NOT FOUND THEN
        PERFORM orchestrator.tool_not_found(tool_invocation_settings_update.tool_id);
    END IF;
    RETURN settings;
END
$$;
COMMENT ON FUNCTION api.tool_invocation_settings_update(uuid, integer, boolean) IS
'Changes how a tool''s invocations run; a setting not given stays. lease_seconds (1..3600, default 30): how long a claim lasts past the later of its start and its node''s last heartbeat (agents beat at a third of it); applies to invocations submitted from now on. retry_output_invalid (default false): an output that breaks the output_schema is retried (RETRY_WAIT) rather than final (OUTPUT_INVALID).
Example: SELECT * FROM api.tool_invocation_settings_update(tool_id => ''0b6e3c52-3f0a-4d52-9c55-0d5e0c7c1a11'', lease_seconds => 120, retry_output_invalid => true);
Errors: P0002 no tool has this id; 23514 lease_seconds outside 1..3600.
Route: POST /tools/{tool_id}/invocation-settings -> 200';

-- Who may call what --------------------------------------------------------------------------------
REVOKE ALL ON FUNCTION
    api.invocation_submit(uuid, text, text, jsonb, integer, text, timestamptz, integer, integer, integer, uuid[]),
    api.invocation_get(uuid),
    api.invocation_list(text, uuid, uuid, integer, text),
    api.invocation_queue(),
    api.invocation_cancel(uuid, text),
    api.node_claim(uuid, integer, integer, text),
    api.invocation_complete(uuid, uuid, jsonb, jsonb),
    api.invocation_complete_batch(jsonb),
    api.invocation_fail(uuid, uuid, jsonb, boolean),
    api.invocation_release(uuid, uuid),
    api.invocations_sweep(integer),
    api.invocations_purge(integer),
    api.artifact_lineage(uuid),
    api.tool_invocation_settings_get(uuid),
    api.tool_invocation_settings_update(uuid, integer, boolean)
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    api.invocation_get(uuid),
    api.invocation_list(text, uuid, uuid, integer, text),
    api.invocation_queue(),
    api.artifact_lineage(uuid),
    api.tool_invocation_settings_get(uuid)
TO aio_reader;
GRANT EXECUTE ON FUNCTION
    api.invocation_submit(uuid, text, text, jsonb, integer, text, timestamptz, integer, integer, integer, uuid[]),
    api.invocation_cancel(uuid, text),
    api.tool_invocation_settings_update(uuid, integer, boolean)
TO aio_writer;
-- A node claims and reports only for itself (checked in the functions); admins may act for any node.
GRANT EXECUTE ON FUNCTION
    api.invocation_get(uuid),
    api.node_claim(uuid, integer, integer, text),
    api.invocation_complete(uuid, uuid, jsonb, jsonb),
    api.invocation_complete_batch(jsonb),
    api.invocation_fail(uuid, uuid, jsonb, boolean),
    api.invocation_release(uuid, uuid)
TO aio_node, aio_admin;
GRANT EXECUTE ON FUNCTION
    api.invocations_sweep(integer),
    api.invocations_purge(integer)
TO aio_admin;

COMMIT;
