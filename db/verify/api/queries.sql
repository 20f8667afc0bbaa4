-- Verify ai-orchestrator:api/queries
SELECT 'api.queries_active_tools_with_nodes(integer, integer, integer, text)'::regprocedure,
       'api.queries_tools_by_category_with_tags(text, integer, integer, text)'::regprocedure,
       'api.queries_node_health_status(integer, integer, text, integer, text)'::regprocedure,
       'api.queries_large_artifacts_by_tool(bigint, integer, text)'::regprocedure,
       'api.queries_search_tools_by_schema(jsonb, text, text, integer, text)'::regprocedure;
SELECT 1 / pg_catalog.has_function_privilege('aio_api', 'api.queries_node_health_status(integer, integer, text, integer, text)', 'EXECUTE')::int;
SELECT 1 / pg_catalog.sign(pg_catalog.strpos(pg_catalog.pg_get_functiondef('api.queries_search_tools_by_schema(jsonb, text, text, integer, text)'::regprocedure), 'tool_tag_array'))::int;
