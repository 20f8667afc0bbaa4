-- Revert ai-orchestrator:api/audit
BEGIN;
DROP FUNCTION api.audit_purge(integer);
DROP FUNCTION api.audit_list(text, text, text, timestamptz, timestamptz, integer, text);
DROP TYPE api.audit_entry;
COMMIT;
