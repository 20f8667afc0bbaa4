-- Verify ai-orchestrator:data/node_heartbeats
SELECT node_id, last_heartbeat_at, load, beat_count FROM orchestrator.node_heartbeats WHERE false;
