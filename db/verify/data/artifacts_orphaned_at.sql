-- Verify ai-orchestrator:data/artifacts_orphaned_at
SELECT orphaned_at FROM orchestrator.artifacts WHERE false;
SELECT 'orchestrator.mark_orphaned()'::regprocedure;
SELECT 1 / count(*)::int FROM pg_catalog.pg_trigger
WHERE tgrelid = 'orchestrator.artifacts'::regclass AND tgname = 'artifacts_mark_orphaned';
