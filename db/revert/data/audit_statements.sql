-- Revert ai-orchestrator:data/audit_statements
-- Back to one audit trigger per row for every change, and the node identity check on every row.
BEGIN;
SET LOCAL ROLE aio_owner;

DO $$
DECLARE
    t record;
BEGIN
    FOR t IN SELECT * FROM (VALUES
        ('nodes', $a$'node_id'$a$), ('tools', $a$'tool_id'$a$), ('tool_tags', $a$'tool_id,tag'$a$),
        ('artifacts', $a$'artifact_id'$a$), ('api_keys', $a$'key_id', 'last_used_at'$a$), ('settings', $a$'name'$a$),
        ('tool_deactivations', $a$'tool_id'$a$)) v(tab, args)
    LOOP
        EXECUTE format('DROP TRIGGER %I ON orchestrator.%I', t.tab || '_audit_insert', t.tab);
        EXECUTE format('DROP TRIGGER %I ON orchestrator.%I', t.tab || '_audit_delete', t.tab);
        EXECUTE format('DROP TRIGGER %I ON orchestrator.%I', t.tab || '_audit', t.tab);
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON orchestrator.%I FOR EACH ROW EXECUTE FUNCTION orchestrator.audit_change(%s)',
                       t.tab || '_audit', t.tab, t.args);
    END LOOP;
END
$$;
DROP FUNCTION orchestrator.audit_statement();

DROP TRIGGER artifacts_node_identity ON orchestrator.artifacts;
CREATE TRIGGER artifacts_node_identity BEFORE INSERT OR UPDATE ON orchestrator.artifacts
    FOR EACH ROW EXECUTE FUNCTION orchestrator.enforce_node_identity();
DROP TRIGGER node_heartbeats_node_identity ON orchestrator.node_heartbeats;
CREATE TRIGGER node_heartbeats_node_identity BEFORE INSERT OR UPDATE ON orchestrator.node_heartbeats
    FOR EACH ROW EXECUTE FUNCTION orchestrator.enforce_node_identity();

COMMIT;
