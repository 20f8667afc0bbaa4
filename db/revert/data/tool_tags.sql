-- Revert ai-orchestrator:data/tool_tags
BEGIN;
DROP TABLE orchestrator.tool_tags;
COMMIT;
