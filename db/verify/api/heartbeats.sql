-- Verify ai-orchestrator:api/heartbeats
SELECT 'api.node_heartbeat(uuid, text, jsonb, uuid[], text)'::regprocedure;
SELECT 1 / (pg_catalog.to_regprocedure('api.node_heartbeat(uuid, text, jsonb)') IS NULL)::int;
DO $$ BEGIN
    ASSERT orchestrator.node_health('ACTIVE', now()) = 'HEALTHY';
    ASSERT orchestrator.node_health('ACTIVE', now() - interval '1 minute') = 'STALE';
    ASSERT orchestrator.node_health('ACTIVE', now() - interval '1 hour') = 'DOWN';
    ASSERT orchestrator.node_health('ACTIVE', NULL) = 'UNKNOWN';
END $$;
SELECT (NULL::api.node_beat).cancel_invocation_ids, (NULL::api.node_beat).lost_invocation_ids;
SELECT 1 / pg_catalog.has_function_privilege('aio_api', 'api.node_heartbeat(uuid, text, jsonb, uuid[], text)', 'EXECUTE')::int;
SELECT 1 / pg_catalog.strpos(pg_catalog.pg_get_functiondef('api.node_heartbeat(uuid, text, jsonb, uuid[], text)'::regprocedure), 'invocation_leases_end')::int;
SELECT 1 / pg_catalog.strpos(pg_catalog.pg_get_functiondef('api.node_heartbeat(uuid, text, jsonb, uuid[], text)'::regprocedure), 'cancel_requested_at')::int;
SELECT 1 / pg_catalog.has_function_privilege('aio_node', 'api.node_heartbeat(uuid, text, jsonb, uuid[], text)', 'EXECUTE')::int;
SELECT 1 / pg_catalog.has_function_privilege('aio_reader', 'api.node_agent_list(uuid)', 'EXECUTE')::int;
