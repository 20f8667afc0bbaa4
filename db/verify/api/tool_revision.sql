-- Verify ai-orchestrator:api/tool_revision
SELECT (NULL::api.tool).revision, (NULL::api.tool_item).revision;
