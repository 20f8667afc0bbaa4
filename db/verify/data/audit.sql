-- Verify ai-orchestrator:data/audit
SELECT audit_id, at, db_role, login_role, key_id, subject, request_id, table_name, row_key, action, changes
FROM orchestrator.audit_log WHERE false;
SELECT 1 / count(*) FROM pg_catalog.pg_trigger WHERE tgname = 'nodes_audit';
