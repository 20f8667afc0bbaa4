-- Verify ai-orchestrator:data/tool_schema_properties
-- (api/tool_search moves its indexes onto stored columns; verify runs against the whole plan.)
DO $$ BEGIN
    ASSERT orchestrator.schema_properties('{"properties": {"b": {}, "a": {}}}') = '{a,b}';
END $$;
