-- Revert ai-orchestrator:data/node_agents
BEGIN;
SET LOCAL ROLE aio_owner;
DROP TABLE orchestrator.node_agents;
COMMIT;
