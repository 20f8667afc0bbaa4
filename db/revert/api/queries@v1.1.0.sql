-- Revert ai-orchestrator:api/queries
BEGIN;
DROP FUNCTION api.queries_search_tools_by_schema(jsonb, text, text, integer, text);
DROP FUNCTION api.queries_large_artifacts_by_tool(bigint, integer, text);
DROP TYPE api.tool_large_artifacts;
DROP FUNCTION api.queries_node_health_status(integer, integer, text, integer, text);
DROP TYPE api.node_health;
DROP FUNCTION api.queries_tools_by_category_with_tags(text, integer, integer, text);
DROP TYPE api.category_tools;
DROP FUNCTION api.queries_active_tools_with_nodes(integer, integer, integer, text);
DROP TYPE api.active_tool;
DROP FUNCTION orchestrator.node_summary(uuid, interval, interval);
COMMIT;
