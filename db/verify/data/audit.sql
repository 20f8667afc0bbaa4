-- Verify ai-orchestrator:data/audit
SELECT audit_id, at, db_role, login_role, key_id, subject, request_id, table_name, row_key, action, changes
FROM orchestrator.audit_log WHERE false;
SELECT 'orchestrator.audit_change()'::regprocedure, 'orchestrator.audit_statement()'::regprocedure;
SELECT 1 / count(*) FROM pg_catalog.pg_trigger
WHERE tgrelid = 'orchestrator.artifacts'::regclass AND tgname IN ('artifacts_audit', 'artifacts_audit_insert', 'artifacts_audit_delete')
HAVING count(*) = 3;
