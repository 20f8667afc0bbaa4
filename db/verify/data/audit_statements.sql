-- Verify ai-orchestrator:data/audit_statements
SELECT 'orchestrator.audit_statement()'::regprocedure;
SELECT 1 / count(*) FROM pg_catalog.pg_trigger
WHERE tgrelid = 'orchestrator.artifacts'::regclass AND tgname IN ('artifacts_audit', 'artifacts_audit_insert', 'artifacts_audit_delete')
HAVING count(*) = 3;
