-- Verify ai-orchestrator:data/tool_schema_properties
SELECT input_properties, output_properties FROM orchestrator.tools WHERE false;
SELECT 'orchestrator.tools_input_properties_idx'::regclass, 'orchestrator.tools_output_properties_idx'::regclass;
SELECT 1 / (count(*) / 2)::int FROM pg_catalog.pg_constraint c
WHERE c.conrelid = 'orchestrator.tools'::regclass AND c.conname IN ('tools_input_properties_length', 'tools_output_properties_length');
DO $$ BEGIN
    ASSERT orchestrator.schema_properties('{"properties": {"b": {}, "a": {}}}') = '{a,b}';
END $$;
