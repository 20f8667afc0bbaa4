-- Verify ai-orchestrator:api/audit
SELECT 'api.audit_list(text, text, text, timestamptz, timestamptz, integer, text)'::regprocedure, 'api.audit_purge(integer)'::regprocedure;
