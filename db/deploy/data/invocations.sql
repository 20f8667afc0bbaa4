-- Deploy ai-orchestrator:data/invocations
-- requires: data/tools data/node_heartbeats data/api_keys
-- Invocations: a request to run a tool with an input, and one attempt row per claim. The database
-- is the scheduler: the states and their transitions are enforced here (a trigger), claims take
-- rows with FOR UPDATE SKIP LOCKED through partial indexes that hold only the waiting rows, and a
-- lease is derived from the heartbeats of the agent that claimed (no write renews it).
BEGIN;
SET LOCAL ROLE aio_owner;

CREATE FUNCTION orchestrator.invocation_states() RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT '{QUEUED,RUNNING,RETRY_WAIT,SUCCEEDED,FAILED,OUTPUT_INVALID,CANCELLED,TIMED_OUT,DEAD}'::text[] $$;
COMMENT ON FUNCTION orchestrator.invocation_states() IS 'The states an invocation may be in (the CHECK invocations_state_valid spells the same list); used by list filters.';

CREATE TABLE orchestrator.invocations (
    invocation_id       uuid        NOT NULL DEFAULT pg_catalog.gen_random_uuid(),
    tool_id             uuid        NOT NULL,
    target_node_id      uuid,
    input               jsonb       NOT NULL DEFAULT '{}',
    priority            integer     NOT NULL DEFAULT 0,
    submitter           text        NOT NULL,
    submitted_by        jsonb       NOT NULL DEFAULT '{}',
    idempotency_key     text,
    not_before          timestamptz,
    run_after           timestamptz NOT NULL DEFAULT pg_catalog.now(),
    queue_timeout       interval,
    queue_deadline      timestamptz,
    run_timeout         interval,
    run_deadline        timestamptz,
    lease               interval    NOT NULL DEFAULT '30 seconds',
    max_attempts        integer     NOT NULL DEFAULT 3,
    state               text        NOT NULL DEFAULT 'QUEUED',
    attempt             integer     NOT NULL DEFAULT 0,
    node_id             uuid,
    lease_token         uuid,
    cancel_requested_at timestamptz,
    cancel_reason       text,
    output              jsonb,
    error               jsonb,
    created_at          timestamptz NOT NULL DEFAULT pg_catalog.now(),
    started_at          timestamptz,
    finished_at         timestamptz,
    updated_at          timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT invocations_pkey PRIMARY KEY (invocation_id),
    -- NO ACTION: a tool with invocations is not deleted (23503); purge them first.
    CONSTRAINT invocations_tool_id_fkey FOREIGN KEY (tool_id) REFERENCES orchestrator.tools (tool_id),
    CONSTRAINT invocations_target_node_id_fkey FOREIGN KEY (target_node_id)
        REFERENCES orchestrator.nodes (node_id) ON DELETE SET NULL,
    CONSTRAINT invocations_node_id_fkey FOREIGN KEY (node_id)
        REFERENCES orchestrator.nodes (node_id) ON DELETE SET NULL,
    -- The lists are spelt out: a function call in a CHECK is planned again on every write.
    CONSTRAINT invocations_state_valid CHECK (state IN ('QUEUED', 'RUNNING', 'RETRY_WAIT', 'SUCCEEDED', 'FAILED', 'OUTPUT_INVALID',
                                                        'CANCELLED', 'TIMED_OUT', 'DEAD')),
    CONSTRAINT invocations_priority_range CHECK (priority BETWEEN -100 AND 100),
    CONSTRAINT invocations_max_attempts_range CHECK (max_attempts BETWEEN 1 AND 100),
    CONSTRAINT invocations_idempotency_key_format CHECK (length(idempotency_key) BETWEEN 1 AND 255),
    CONSTRAINT invocations_input_size CHECK (pg_column_size(input) <= 1048576),
    CONSTRAINT invocations_output_size CHECK (pg_column_size(output) <= 1048576),
    CONSTRAINT invocations_error_format CHECK (jsonb_typeof(error) = 'object' AND pg_column_size(error) <= 65536),
    CONSTRAINT invocations_lease_range CHECK (lease BETWEEN interval '1 second' AND interval '1 hour'),
    CONSTRAINT invocations_queue_timeout_range CHECK (queue_timeout BETWEEN interval '1 second' AND interval '30 days'),
    CONSTRAINT invocations_run_timeout_range CHECK (run_timeout BETWEEN interval '1 second' AND interval '30 days'),
    CONSTRAINT invocations_cancel_reason_length CHECK (length(cancel_reason) <= 1000),
    -- A RUNNING invocation holds a lease token; no other state does.
    CONSTRAINT invocations_running_lease CHECK ((state = 'RUNNING') = (lease_token IS NOT NULL)),
    CONSTRAINT invocations_finished CHECK ((finished_at IS NOT NULL) = (state IN ('SUCCEEDED', 'FAILED', 'OUTPUT_INVALID', 'CANCELLED', 'TIMED_OUT', 'DEAD')))
);

COMMENT ON TABLE orchestrator.invocations IS
'Requests to run a tool with an input: QUEUED -> RUNNING -> SUCCEEDED | FAILED | OUTPUT_INVALID | CANCELLED | TIMED_OUT | DEAD, and RETRY_WAIT between attempts. Transitions are enforced by the trigger invocations_transition (PT409). Final invocations stay until api.invocations_purge deletes them.';
COMMENT ON COLUMN orchestrator.invocations.target_node_id IS 'The node the tool was targeted at when submitted (copied); NULL: any node may claim it.';
COMMENT ON COLUMN orchestrator.invocations.submitter IS 'Who submitted (orchestrator.principal(): key id, token subject or role); idempotency keys are unique per submitter.';
COMMENT ON COLUMN orchestrator.invocations.submitted_by IS 'Who submitted, as {"role": ..., "key_id": ..., "subject": ...}.';
COMMENT ON COLUMN orchestrator.invocations.run_after IS 'When it may next be claimed (not_before, or the end of a retry wait).';
COMMENT ON COLUMN orchestrator.invocations.queue_deadline IS 'run_after + queue_timeout while waiting: unclaimed by then, the sweep ends it TIMED_OUT.';
COMMENT ON COLUMN orchestrator.invocations.run_deadline IS 'Start of the current attempt + run_timeout: still running then, the sweep ends it TIMED_OUT.';
COMMENT ON COLUMN orchestrator.invocations.lease IS 'How long a lease lasts past the later of the attempt''s start and the last heartbeat of the agent that claimed it (the tool''s lease_seconds at submit).';
COMMENT ON COLUMN orchestrator.invocations.attempt IS 'How many times it was claimed (released attempts included; they do not count against max_attempts).';
COMMENT ON COLUMN orchestrator.invocations.node_id IS 'The node of the current or last attempt.';
COMMENT ON COLUMN orchestrator.invocations.lease_token IS 'The current attempt''s lease token; NULL unless RUNNING. Every report from the node must present it.';
COMMENT ON COLUMN orchestrator.invocations.cancel_requested_at IS 'When cancellation of a RUNNING invocation was asked; the node learns it from its heartbeat.';
COMMENT ON CONSTRAINT invocations_tool_id_fkey ON orchestrator.invocations IS 'tool_id: no tool has this id, or the tool has invocations (purge them first)';
COMMENT ON CONSTRAINT invocations_target_node_id_fkey ON orchestrator.invocations IS 'target_node_id: no node has this id';
COMMENT ON CONSTRAINT invocations_node_id_fkey ON orchestrator.invocations IS 'node_id: no node has this id';
COMMENT ON CONSTRAINT invocations_state_valid ON orchestrator.invocations IS 'state: must be one of QUEUED, RUNNING, RETRY_WAIT, SUCCEEDED, FAILED, OUTPUT_INVALID, CANCELLED, TIMED_OUT, DEAD';
COMMENT ON CONSTRAINT invocations_priority_range ON orchestrator.invocations IS 'priority: must be between -100 and 100 (higher runs first)';
COMMENT ON CONSTRAINT invocations_max_attempts_range ON orchestrator.invocations IS 'max_attempts: must be between 1 and 100';
COMMENT ON CONSTRAINT invocations_idempotency_key_format ON orchestrator.invocations IS 'idempotency_key: must be 1 to 255 characters';
COMMENT ON CONSTRAINT invocations_input_size ON orchestrator.invocations IS 'input: must be at most 1 MB as stored';
COMMENT ON CONSTRAINT invocations_output_size ON orchestrator.invocations IS 'output: must be at most 1 MB as stored';
COMMENT ON CONSTRAINT invocations_error_format ON orchestrator.invocations IS 'error: must be a JSON object of at most 64 kB';
COMMENT ON CONSTRAINT invocations_lease_range ON orchestrator.invocations IS 'lease: must be between 1 second and 1 hour';
COMMENT ON CONSTRAINT invocations_queue_timeout_range ON orchestrator.invocations IS 'queue_timeout_seconds: must be between 1 and 2592000 (30 days)';
COMMENT ON CONSTRAINT invocations_run_timeout_range ON orchestrator.invocations IS 'run_timeout_seconds: must be between 1 and 2592000 (30 days)';
COMMENT ON CONSTRAINT invocations_cancel_reason_length ON orchestrator.invocations IS 'reason: must be at most 1000 characters';
COMMENT ON CONSTRAINT invocations_running_lease ON orchestrator.invocations IS 'lease_token: a RUNNING invocation has a lease token, no other state has one';
COMMENT ON CONSTRAINT invocations_finished ON orchestrator.invocations IS 'finished_at: set exactly when the state is final';

-- Claims: only the waiting rows, in claim order, those any node may run and those targeted at a
-- node apart. A claim merges two ordered ranges, the untargeted one and its node's: it never reads
-- past work waiting for other nodes, and with a million finished rows the indexes still hold only
-- the queue.
CREATE INDEX invocations_claim_any_idx ON orchestrator.invocations (priority DESC, run_after, invocation_id)
    WHERE state IN ('QUEUED', 'RETRY_WAIT') AND target_node_id IS NULL;
CREATE INDEX invocations_claim_node_idx ON orchestrator.invocations (target_node_id, priority DESC, run_after, invocation_id)
    WHERE state IN ('QUEUED', 'RETRY_WAIT') AND target_node_id IS NOT NULL;
-- The sweep and the heartbeat: the RUNNING rows, by node.
CREATE INDEX invocations_running_idx ON orchestrator.invocations (node_id)
    WHERE state = 'RUNNING';
-- The sweep: RUNNING rows with a run deadline, RUNNING rows whose cancellation was asked.
CREATE INDEX invocations_run_deadline_idx ON orchestrator.invocations (run_deadline)
    WHERE state = 'RUNNING' AND run_deadline IS NOT NULL;
CREATE INDEX invocations_cancel_requested_idx ON orchestrator.invocations (cancel_requested_at)
    WHERE state = 'RUNNING' AND cancel_requested_at IS NOT NULL;
-- The sweep: waiting rows with a queue deadline.
CREATE INDEX invocations_queue_deadline_idx ON orchestrator.invocations (queue_deadline)
    WHERE state IN ('QUEUED', 'RETRY_WAIT') AND queue_deadline IS NOT NULL;
-- One invocation per idempotency key and submitter (INSERT ... ON CONFLICT arbitrates concurrent submits).
CREATE UNIQUE INDEX invocations_idempotency_idx ON orchestrator.invocations (submitter, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
-- Lists are newest first, (created_at DESC, invocation_id DESC); filters lead; the purge reads the oldest.
CREATE INDEX invocations_created_idx ON orchestrator.invocations (created_at, invocation_id);
CREATE INDEX invocations_tool_created_idx ON orchestrator.invocations (tool_id, created_at, invocation_id);
CREATE INDEX invocations_node_created_idx ON orchestrator.invocations (node_id, created_at, invocation_id);
CREATE INDEX invocations_state_created_idx ON orchestrator.invocations (state, created_at, invocation_id);
CREATE INDEX invocations_target_node_idx ON orchestrator.invocations (target_node_id) WHERE target_node_id IS NOT NULL;

CREATE TRIGGER invocations_touch_updated_at BEFORE UPDATE ON orchestrator.invocations
    FOR EACH ROW EXECUTE FUNCTION orchestrator.touch_updated_at();

-- The state machine. Every writer goes through the api functions, which check first and say more;
-- this trigger is the rule itself, for psql and for any future writer.
CREATE FUNCTION orchestrator.invocation_transition_allowed(from_state text, to_state text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE from_state
        WHEN 'QUEUED'     THEN to_state IN ('RUNNING', 'CANCELLED', 'TIMED_OUT')
        WHEN 'RETRY_WAIT' THEN to_state IN ('RUNNING', 'CANCELLED', 'TIMED_OUT')
        WHEN 'RUNNING'    THEN to_state IN ('SUCCEEDED', 'FAILED', 'OUTPUT_INVALID', 'CANCELLED', 'TIMED_OUT', 'DEAD',
                                            'RETRY_WAIT', 'QUEUED')
        ELSE false
    END
$$;
COMMENT ON FUNCTION orchestrator.invocation_transition_allowed(text, text) IS
'The state machine of invocations: QUEUED and RETRY_WAIT may become RUNNING, CANCELLED or TIMED_OUT; RUNNING may become any final state, RETRY_WAIT (a retry) or QUEUED (released, or its lease lost); a final state never changes.';

CREATE FUNCTION orchestrator.invocation_transition() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT orchestrator.invocation_transition_allowed(OLD.state, NEW.state) THEN
        RAISE EXCEPTION 'state: invocation % is %, it cannot become %', OLD.invocation_id, OLD.state, NEW.state
            USING ERRCODE = 'PT409', COLUMN = 'state';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION orchestrator.invocation_transition() IS
'Trigger: refuses a change of state that orchestrator.invocation_transition_allowed does not allow, with PT409 naming both states.';
CREATE TRIGGER invocations_transition BEFORE UPDATE OF state ON orchestrator.invocations
    FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state)
    EXECUTE FUNCTION orchestrator.invocation_transition();

CREATE TABLE orchestrator.invocation_attempts (
    invocation_id uuid        NOT NULL,
    attempt       integer     NOT NULL,
    node_id       uuid,
    agent         text,
    lease_token   uuid        NOT NULL,
    started_at    timestamptz NOT NULL DEFAULT pg_catalog.now(),
    ended_at      timestamptz,
    outcome       text,
    error         jsonb,
    CONSTRAINT invocation_attempts_pkey PRIMARY KEY (invocation_id, attempt),
    CONSTRAINT invocation_attempts_invocation_id_fkey FOREIGN KEY (invocation_id)
        REFERENCES orchestrator.invocations (invocation_id) ON DELETE CASCADE,
    CONSTRAINT invocation_attempts_node_id_fkey FOREIGN KEY (node_id)
        REFERENCES orchestrator.nodes (node_id) ON DELETE SET NULL,
    CONSTRAINT invocation_attempts_outcome_valid CHECK (outcome IN ('SUCCEEDED', 'FAILED', 'OUTPUT_INVALID', 'LEASE_LOST', 'CANCELLED', 'TIMED_OUT', 'RELEASED')),
    CONSTRAINT invocation_attempts_ended CHECK ((ended_at IS NULL) = (outcome IS NULL)),
    CONSTRAINT invocation_attempts_agent_length CHECK (length(agent) BETWEEN 1 AND 200),
    CONSTRAINT invocation_attempts_error_format CHECK (jsonb_typeof(error) = 'object' AND pg_column_size(error) <= 65536)
);
COMMENT ON TABLE orchestrator.invocation_attempts IS
'One row per claim of an invocation: its node, lease token, start, and how and when it ended. Append-only: ended_at, outcome and error are set once (trigger invocation_attempts_append_only).';
COMMENT ON COLUMN orchestrator.invocation_attempts.agent IS 'The name of the agent process that claimed it (api.node_claim''s agent): its beats (orchestrator.node_agents) keep the lease. NULL: claimed without one; the node''s beats without an agent name keep the lease.';
COMMENT ON COLUMN orchestrator.invocation_attempts.outcome IS 'SUCCEEDED, FAILED, OUTPUT_INVALID, LEASE_LOST, CANCELLED, TIMED_OUT or RELEASED (given back unrun; not counted against max_attempts); NULL while running.';
COMMENT ON CONSTRAINT invocation_attempts_invocation_id_fkey ON orchestrator.invocation_attempts IS 'invocation_id: no invocation has this id';
COMMENT ON CONSTRAINT invocation_attempts_node_id_fkey ON orchestrator.invocation_attempts IS 'node_id: no node has this id';
COMMENT ON CONSTRAINT invocation_attempts_outcome_valid ON orchestrator.invocation_attempts IS 'outcome: must be one of SUCCEEDED, FAILED, OUTPUT_INVALID, LEASE_LOST, CANCELLED, TIMED_OUT, RELEASED';
COMMENT ON CONSTRAINT invocation_attempts_ended ON orchestrator.invocation_attempts IS 'outcome: an attempt has an outcome exactly when it has ended';
COMMENT ON CONSTRAINT invocation_attempts_error_format ON orchestrator.invocation_attempts IS 'error: must be a JSON object of at most 64 kB';
COMMENT ON CONSTRAINT invocation_attempts_agent_length ON orchestrator.invocation_attempts IS 'agent: must be 1 to 200 characters';
CREATE INDEX invocation_attempts_node_idx ON orchestrator.invocation_attempts (node_id, started_at);

CREATE FUNCTION orchestrator.invocation_attempt_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.node_id IS NULL AND OLD.node_id IS NOT NULL
       AND (NEW.invocation_id, NEW.attempt, NEW.agent, NEW.lease_token, NEW.started_at, NEW.ended_at, NEW.outcome, NEW.error)
           IS NOT DISTINCT FROM (OLD.invocation_id, OLD.attempt, OLD.agent, OLD.lease_token, OLD.started_at, OLD.ended_at, OLD.outcome, OLD.error) THEN
        RETURN NEW;  -- its node was deleted (ON DELETE SET NULL)
    ELSIF OLD.ended_at IS NOT NULL THEN
        RAISE EXCEPTION 'lease_token: attempt % of invocation % already ended as %', OLD.attempt, OLD.invocation_id, OLD.outcome
            USING ERRCODE = 'PT409', COLUMN = 'lease_token';
    ELSIF (NEW.invocation_id, NEW.attempt, NEW.agent, NEW.lease_token, NEW.started_at) IS DISTINCT FROM
          (OLD.invocation_id, OLD.attempt, OLD.agent, OLD.lease_token, OLD.started_at)
       OR NEW.node_id IS DISTINCT FROM OLD.node_id THEN
        RAISE EXCEPTION 'attempt: attempt % of invocation % may only be ended, not changed', OLD.attempt, OLD.invocation_id
            USING ERRCODE = 'PT409', COLUMN = 'attempt';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION orchestrator.invocation_attempt_append_only() IS
'Trigger: an attempt row is only ever ended (ended_at, outcome, error set once); anything else is PT409. node_id may still go to NULL (its node deleted).';
CREATE TRIGGER invocation_attempts_append_only BEFORE UPDATE ON orchestrator.invocation_attempts
    FOR EACH ROW EXECUTE FUNCTION orchestrator.invocation_attempt_append_only();

-- Retries wait least(cap, base * 2^attempts) seconds, with jitter (api.invocation_fail).
INSERT INTO orchestrator.settings (name, value, description) VALUES
    ('invocation_retry_base_seconds', '1', 'a failed invocation is retried after least(cap, base * 2^attempts) seconds, jittered: the base'),
    ('invocation_retry_cap_seconds', '300', 'a failed invocation is retried after least(cap, base * 2^attempts) seconds, jittered: the cap');

COMMIT;
