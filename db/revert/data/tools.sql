-- Revert ai-orchestrator:data/tools
BEGIN;
DROP TABLE orchestrator.tools;
DROP FUNCTION orchestrator.tool_statuses();
COMMIT;
