-- Revert ai-orchestrator:data/tool_deactivations
BEGIN;
DROP TABLE orchestrator.tool_deactivations;
COMMIT;
