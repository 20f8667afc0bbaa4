-- Revert ai-orchestrator:data/node_heartbeats
BEGIN;
DROP TABLE orchestrator.node_heartbeats;
COMMIT;
