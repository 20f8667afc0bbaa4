-- Verify ai-orchestrator:data/triggers_invoker
SELECT 1 / (pg_catalog.count(*) = 0)::int FROM pg_catalog.pg_proc p
WHERE p.prorettype = 'trigger'::regtype AND p.pronamespace = 'orchestrator'::regnamespace
  AND (p.prosecdef OR p.proconfig IS NOT NULL);
