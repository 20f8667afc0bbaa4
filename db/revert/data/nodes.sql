-- Revert ai-orchestrator:data/nodes
BEGIN;
DROP TABLE orchestrator.nodes;
DROP FUNCTION orchestrator.node_statuses();
COMMIT;
