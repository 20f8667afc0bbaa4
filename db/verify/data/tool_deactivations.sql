-- Verify ai-orchestrator:data/tool_deactivations
SELECT tool_id, reason, node_id, deactivated_at, created_at, updated_at FROM orchestrator.tool_deactivations WHERE false;
SELECT 'orchestrator.forget_tool_deactivation()'::regprocedure;
SELECT 1 / count(*) FROM pg_catalog.pg_trigger
WHERE tgrelid = 'orchestrator.tools'::regclass AND tgname = 'tools_forget_deactivation';
