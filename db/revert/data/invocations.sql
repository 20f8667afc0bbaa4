-- Revert ai-orchestrator:data/invocations
BEGIN;
SET LOCAL ROLE aio_owner;
DELETE FROM orchestrator.settings WHERE name IN ('invocation_retry_base_seconds', 'invocation_retry_cap_seconds');
DROP TABLE orchestrator.invocation_attempts;
DROP FUNCTION orchestrator.invocation_attempt_append_only();
DROP TABLE orchestrator.invocations;
DROP FUNCTION orchestrator.invocation_transition();
DROP FUNCTION orchestrator.invocation_transition_allowed(text, text);
DROP FUNCTION orchestrator.invocation_states();
COMMIT;
