-- Revert ai-orchestrator:auth/authenticate
BEGIN;
SET LOCAL lock_timeout = '2s';
DROP TRIGGER artifacts_node_tool ON orchestrator.artifacts;
DROP FUNCTION orchestrator.enforce_node_tool();
DROP TRIGGER artifacts_node_identity ON orchestrator.artifacts;
DROP TRIGGER node_heartbeats_node_identity ON orchestrator.node_heartbeats;
DROP FUNCTION orchestrator.enforce_node_identity();
DROP SCHEMA auth CASCADE;
DROP FUNCTION orchestrator.statement_timeout_for(text);
DROP FUNCTION orchestrator.key_hash(text);
COMMIT;
