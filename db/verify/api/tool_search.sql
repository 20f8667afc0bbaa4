-- Verify ai-orchestrator:api/tool_search
SELECT 'orchestrator.tool_page(integer, text, text, text, uuid, text, text, text, text)'::regprocedure,
       'api.queries_search_tools_by_schema(jsonb, text, text, integer, text)'::regprocedure,
       'orchestrator.tools_input_properties_idx'::regclass,
       'orchestrator.tools_output_properties_idx'::regclass;
SELECT input_properties, output_properties FROM orchestrator.tools WHERE false;
SELECT 1 / (SELECT count(*)::int FROM pg_catalog.pg_attribute
            WHERE attrelid = 'orchestrator.tool_tags'::regclass AND attname = 'tag' AND attstattarget = 1000);
