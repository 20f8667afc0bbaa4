-- Verify ai-orchestrator:schemas
SELECT pg_catalog.has_schema_privilege('aio_owner', 'orchestrator', 'CREATE');
SELECT 1 / (count(*) = 3)::int FROM pg_catalog.pg_namespace n
  WHERE n.nspname IN ('orchestrator', 'api', 'reporting')
    AND n.nspowner = 'aio_owner'::regrole;
SELECT 1 / count(*) FROM pg_catalog.pg_extension WHERE extname = 'pg_trgm';
