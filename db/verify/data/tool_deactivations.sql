-- Verify ai-orchestrator:data/tool_deactivations
SELECT tool_id, reason, node_id, deactivated_at, created_at, updated_at FROM orchestrator.tool_deactivations WHERE false;
