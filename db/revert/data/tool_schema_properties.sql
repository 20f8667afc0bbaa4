-- Revert ai-orchestrator:data/tool_schema_properties
BEGIN;
DROP INDEX orchestrator.tools_output_properties_idx;
DROP INDEX orchestrator.tools_input_properties_idx;
DROP FUNCTION orchestrator.schema_properties(jsonb);
COMMIT;
