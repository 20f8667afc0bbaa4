-- Revert ai-orchestrator:data/audit
BEGIN;
DO $$
DECLARE
    tab text;
BEGIN
    FOREACH tab IN ARRAY ARRAY['tool_deactivations', 'settings', 'api_keys', 'artifacts', 'tool_tags', 'tools', 'nodes'] LOOP
        EXECUTE format('DROP TRIGGER %I ON orchestrator.%I', tab || '_audit_delete', tab);
        EXECUTE format('DROP TRIGGER %I ON orchestrator.%I', tab || '_audit_insert', tab);
        EXECUTE format('DROP TRIGGER %I ON orchestrator.%I', tab || '_audit', tab);
    END LOOP;
END
$$;
DROP FUNCTION orchestrator.audit_statement();
DROP FUNCTION orchestrator.audit_change();
DROP TABLE orchestrator.audit_log;
COMMIT;
