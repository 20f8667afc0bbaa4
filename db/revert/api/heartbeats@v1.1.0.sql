-- Revert ai-orchestrator:api/heartbeats
BEGIN;
DROP FUNCTION api.node_heartbeat(uuid, text, jsonb);
DROP TYPE api.node_beat;
DROP FUNCTION orchestrator.health_thresholds(integer, integer);
DROP FUNCTION orchestrator.node_health(text, timestamptz, interval, interval);
COMMIT;
