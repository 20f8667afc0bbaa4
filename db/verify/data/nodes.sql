-- Verify ai-orchestrator:data/nodes
SELECT node_id, name, node_type, address, status, labels, metadata, created_at, updated_at
FROM orchestrator.nodes WHERE false;
