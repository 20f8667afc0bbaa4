-- Verify ai-orchestrator:api/maintenance
SELECT 'api.maintenance_cleanup_orphaned_artifacts(integer, boolean, integer)'::regprocedure,
       'api.maintenance_update_tool_status(boolean, integer, integer)'::regprocedure,
       'api.maintenance_tools_without_nodes(integer, text)'::regprocedure,
       'api.maintenance_refresh_reporting()'::regprocedure,
       'api.maintenance_purge_idempotency_keys(integer)'::regprocedure;
SELECT 1 / pg_catalog.has_function_privilege('aio_admin', 'api.maintenance_refresh_reporting()', 'EXECUTE')::int;
