-- Verify ai-orchestrator:data/tool_schema_properties
SELECT input_properties, output_properties FROM orchestrator.tools WHERE false;
SELECT 'orchestrator.tools_input_properties_idx'::regclass, 'orchestrator.tools_output_properties_idx'::regclass;
DO $$ BEGIN
    ASSERT orchestrator.schema_properties('{"properties": {"b": {}, "a": {}}}') = '{a,b}';
END $$;
