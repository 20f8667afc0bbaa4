-- Revert ai-orchestrator:data/tool_deactivations
BEGIN;
SET LOCAL lock_timeout = '2s';
DROP TRIGGER tools_forget_deactivation ON orchestrator.tools;
DROP TABLE orchestrator.tool_deactivations;
DROP FUNCTION orchestrator.forget_tool_deactivation();
COMMIT;
