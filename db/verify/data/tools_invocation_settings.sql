-- Verify ai-orchestrator:data/tools_invocation_settings
SELECT lease_seconds, retry_output_invalid FROM orchestrator.tools WHERE false;
SELECT 1 / count(*)::int FROM pg_catalog.pg_constraint
WHERE conrelid = 'orchestrator.tools'::regclass AND conname = 'tools_lease_seconds_range' AND convalidated;
