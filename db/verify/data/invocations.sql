-- Verify ai-orchestrator:data/invocations
SELECT invocation_id, tool_id, target_node_id, input, priority, submitter, submitted_by, idempotency_key, not_before,
       run_after, queue_timeout, queue_deadline, run_timeout, run_deadline, lease, max_attempts, state, attempt, node_id,
       lease_token, cancel_requested_at, cancel_reason, output, error, created_at, started_at, finished_at, updated_at
FROM orchestrator.invocations WHERE false;
SELECT invocation_id, attempt, node_id, agent, lease_token, started_at, ended_at, outcome, error
FROM orchestrator.invocation_attempts WHERE false;
SELECT 'orchestrator.invocations_claim_any_idx'::regclass, 'orchestrator.invocations_claim_node_idx'::regclass, 'orchestrator.invocations_idempotency_idx'::regclass;
DO $$ BEGIN
    ASSERT orchestrator.invocation_transition_allowed('QUEUED', 'RUNNING');
    ASSERT NOT orchestrator.invocation_transition_allowed('SUCCEEDED', 'QUEUED');
END $$;
