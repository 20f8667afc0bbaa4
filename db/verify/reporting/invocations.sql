-- Verify ai-orchestrator:reporting/invocations
SELECT invocation_id, tool_id, tool_name, tool_version, tool_category, state, priority, attempts, max_attempts,
       target_node_id, node_id, node_name, submitted_by_role, error_code, created_at, started_at, finished_at,
       wait_seconds, run_seconds, created_date
FROM reporting.invocations WHERE false;
SELECT invocation_id, attempt, tool_id, tool_name, tool_version, node_id, node_name, agent, started_at, ended_at,
       outcome, error_code, run_seconds
FROM reporting.invocation_attempts WHERE false;
SELECT 1 / pg_catalog.has_table_privilege('aio_bi', 'reporting.invocation_attempts', 'SELECT')::int;
