-- Verify ai-orchestrator:api/maintenance
SELECT 'api.maintenance_cleanup_orphaned_artifacts(integer, boolean, integer)'::regprocedure,
       'api.maintenance_update_tool_status(boolean, integer, integer)'::regprocedure,
       'api.maintenance_tools_without_nodes(integer, text)'::regprocedure;
