-- Verify ai-orchestrator:data/node_heartbeats_nameless_heartbeat_at
SELECT nameless_heartbeat_at FROM orchestrator.node_heartbeats WHERE false;
