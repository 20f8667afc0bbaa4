-- Verify ai-orchestrator:data/tool_tags
SELECT tool_id, tag, created_at, updated_at FROM orchestrator.tool_tags WHERE false;
