-- Verify ai-orchestrator:data/node_agents
SELECT node_id, agent, last_heartbeat_at FROM orchestrator.node_agents WHERE false;
