-- Verify ai-orchestrator:data/node_heartbeats_time_range
SELECT 1 / count(*)
FROM pg_catalog.pg_constraint c
WHERE c.conrelid = 'orchestrator.node_heartbeats'::regclass AND c.conname = 'node_heartbeats_time_range' AND c.convalidated;
