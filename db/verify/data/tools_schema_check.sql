-- Verify ai-orchestrator:data/tools_schema_check
SELECT 'orchestrator.tools_schema_check()'::regprocedure;
SELECT 1 / (pg_catalog.count(*) = 2)::int FROM pg_catalog.pg_trigger
WHERE tgrelid = 'orchestrator.tools'::regclass AND tgname IN ('tools_schema_check_insert', 'tools_schema_check_update');
