-- Deploy ai-orchestrator:reporting/invocations
-- requires: data/invocations reporting/views
-- Invocations for BI tools: one row per invocation and one per attempt, with names, durations in
-- seconds and error codes; inputs and outputs stay out (they may hold anything a client sent).
BEGIN;
SET LOCAL ROLE aio_owner;

CREATE VIEW reporting.invocations AS
SELECT i.invocation_id,
       i.tool_id,
       t.name         AS tool_name,
       t.version      AS tool_version,
       t.category     AS tool_category,
       i.state,
       i.priority,
       i.attempt      AS attempts,
       i.max_attempts,
       i.target_node_id,
       i.node_id,
       n.name         AS node_name,
       i.submitted_by->>'role' AS submitted_by_role,
       i.error->>'code'        AS error_code,
       i.created_at,
       i.started_at,
       i.finished_at,
       pg_catalog.round(pg_catalog.date_part('epoch', i.started_at - greatest(i.created_at, i.not_before))::numeric, 3) AS wait_seconds,
       pg_catalog.round(pg_catalog.date_part('epoch', i.finished_at - i.started_at)::numeric, 3) AS run_seconds,
       i.created_at::date AS created_date
FROM orchestrator.invocations i
JOIN orchestrator.tools t ON t.tool_id = i.tool_id
LEFT JOIN orchestrator.nodes n ON n.node_id = i.node_id;
COMMENT ON VIEW reporting.invocations IS 'Invocations, one row each: tool, state, attempts, node, timings and error code (inputs and outputs are not shown). Count by state and tool, or chart wait and run times.';
COMMENT ON COLUMN reporting.invocations.invocation_id IS 'Invocation id (UUID).';
COMMENT ON COLUMN reporting.invocations.tool_id IS 'Id of the tool version run.';
COMMENT ON COLUMN reporting.invocations.tool_name IS 'Tool name.';
COMMENT ON COLUMN reporting.invocations.tool_version IS 'Tool version.';
COMMENT ON COLUMN reporting.invocations.tool_category IS 'Tool category.';
COMMENT ON COLUMN reporting.invocations.state IS 'QUEUED, RUNNING, RETRY_WAIT, SUCCEEDED, FAILED, OUTPUT_INVALID, CANCELLED, TIMED_OUT or DEAD.';
COMMENT ON COLUMN reporting.invocations.priority IS 'Priority, -100..100 (higher runs first).';
COMMENT ON COLUMN reporting.invocations.attempts IS 'How many times it was claimed.';
COMMENT ON COLUMN reporting.invocations.max_attempts IS 'How many attempts it may have.';
COMMENT ON COLUMN reporting.invocations.target_node_id IS 'The node it must run on; empty when any node may run it.';
COMMENT ON COLUMN reporting.invocations.node_id IS 'The node of its current or last attempt; empty when never claimed.';
COMMENT ON COLUMN reporting.invocations.node_name IS 'Name of that node.';
COMMENT ON COLUMN reporting.invocations.submitted_by_role IS 'The role of the caller that submitted it (aio_writer, aio_admin, ...).';
COMMENT ON COLUMN reporting.invocations.error_code IS 'The code of its last error (e.g. OUTPUT_INVALID, LEASE_LOST, a tool''s own); empty when none.';
COMMENT ON COLUMN reporting.invocations.created_at IS 'When it was submitted.';
COMMENT ON COLUMN reporting.invocations.started_at IS 'When it was first claimed; empty when never.';
COMMENT ON COLUMN reporting.invocations.finished_at IS 'When it reached a final state; empty while unfinished.';
COMMENT ON COLUMN reporting.invocations.wait_seconds IS 'Seconds from when it could first be claimed (submit, or not_before) to its first claim.';
COMMENT ON COLUMN reporting.invocations.run_seconds IS 'Seconds from its first claim to its final state, retries included.';
COMMENT ON COLUMN reporting.invocations.created_date IS 'Day it was submitted (server time zone), for daily charts.';

CREATE VIEW reporting.invocation_attempts AS
SELECT a.invocation_id,
       a.attempt,
       i.tool_id,
       t.name         AS tool_name,
       t.version      AS tool_version,
       a.node_id,
       n.name         AS node_name,
       a.agent,
       a.started_at,
       a.ended_at,
       a.outcome,
       a.error->>'code' AS error_code,
       pg_catalog.round(pg_catalog.date_part('epoch', a.ended_at - a.started_at)::numeric, 3) AS run_seconds
FROM orchestrator.invocation_attempts a
JOIN orchestrator.invocations i ON i.invocation_id = a.invocation_id
JOIN orchestrator.tools t ON t.tool_id = i.tool_id
LEFT JOIN orchestrator.nodes n ON n.node_id = a.node_id;
COMMENT ON VIEW reporting.invocation_attempts IS 'Attempts, one row per claim of an invocation: which node and agent ran it, for how long, and how it ended. Compare failure and lease-loss rates by node or tool.';
COMMENT ON COLUMN reporting.invocation_attempts.invocation_id IS 'Invocation id (UUID).';
COMMENT ON COLUMN reporting.invocation_attempts.attempt IS 'Attempt number, from 1.';
COMMENT ON COLUMN reporting.invocation_attempts.tool_id IS 'Id of the tool version run.';
COMMENT ON COLUMN reporting.invocation_attempts.tool_name IS 'Tool name.';
COMMENT ON COLUMN reporting.invocation_attempts.tool_version IS 'Tool version.';
COMMENT ON COLUMN reporting.invocation_attempts.node_id IS 'The node that claimed it; empty when that node was deleted.';
COMMENT ON COLUMN reporting.invocation_attempts.node_name IS 'Name of that node.';
COMMENT ON COLUMN reporting.invocation_attempts.agent IS 'The agent process that claimed it; empty when claimed without a name.';
COMMENT ON COLUMN reporting.invocation_attempts.started_at IS 'When it was claimed.';
COMMENT ON COLUMN reporting.invocation_attempts.ended_at IS 'When it ended; empty while running.';
COMMENT ON COLUMN reporting.invocation_attempts.outcome IS 'SUCCEEDED, FAILED, OUTPUT_INVALID, LEASE_LOST, CANCELLED, TIMED_OUT or RELEASED; empty while running.';
COMMENT ON COLUMN reporting.invocation_attempts.error_code IS 'The code of its error; empty when none.';
COMMENT ON COLUMN reporting.invocation_attempts.run_seconds IS 'Seconds from claim to end; empty while running.';

GRANT SELECT ON reporting.invocations, reporting.invocation_attempts TO aio_bi;

COMMIT;
