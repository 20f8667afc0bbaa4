-- Verify ai-orchestrator:data/artifacts_invocation
SELECT invocation_id FROM orchestrator.artifacts WHERE false;
SELECT invocation_id, artifact_id FROM orchestrator.invocation_input_artifacts WHERE false;
SELECT 'orchestrator.artifacts_invocation_idx'::regclass;
SELECT 1 / count(*)::int FROM pg_catalog.pg_constraint WHERE conname = 'artifacts_invocation_id_fkey' AND convalidated;
