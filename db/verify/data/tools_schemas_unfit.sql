-- Verify ai-orchestrator:data/tools_schemas_unfit
SELECT 'orchestrator.tool_schemas_fit(jsonb, jsonb)'::regprocedure;
SELECT tool_id FROM orchestrator.tools_schemas_unfit WHERE false;
