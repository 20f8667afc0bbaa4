-- Verify ai-orchestrator:data/tool_schema_properties
SELECT 'orchestrator.tools_input_properties_idx'::regclass, 'orchestrator.tools_output_properties_idx'::regclass;
DO $$ BEGIN
    ASSERT orchestrator.schema_properties('{"properties": {"b": {}, "a": {}}}') = '{a,b}';
END $$;
