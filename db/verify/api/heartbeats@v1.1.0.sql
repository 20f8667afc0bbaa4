-- Verify ai-orchestrator:api/heartbeats
SELECT 'api.node_heartbeat(uuid, text, jsonb)'::regprocedure;
DO $$ BEGIN
    ASSERT orchestrator.node_health('ACTIVE', now()) = 'HEALTHY';
    ASSERT orchestrator.node_health('ACTIVE', now() - interval '1 minute') = 'STALE';
    ASSERT orchestrator.node_health('ACTIVE', now() - interval '1 hour') = 'DOWN';
    ASSERT orchestrator.node_health('ACTIVE', NULL) = 'UNKNOWN';
END $$;
