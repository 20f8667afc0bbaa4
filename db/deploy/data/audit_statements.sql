-- Deploy ai-orchestrator:data/audit_statements
-- requires: data/audit auth/authenticate
-- Inserts and deletes are audited once per statement, from its transition table, instead of
-- once per row: a batch of 1,000 artifacts wrote its audit rows through 1,000 trigger calls
-- (more than half of the batch's time). Updates stay audited per row (they compare old and new
-- values and skip bookkeeping-only changes). The audit rows themselves are the same.
-- The node identity check runs only for requests made as aio_node (a WHEN clause instead of a
-- PL/pgSQL call for every row written by anyone else).
BEGIN;
SET LOCAL ROLE aio_owner;

CREATE FUNCTION orchestrator.audit_statement() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
    request_role text := pg_catalog.current_setting('role');
    db_role text := CASE WHEN request_role = 'none' THEN SESSION_USER ELSE request_role END;
    key_id uuid := NULLIF(pg_catalog.current_setting('aio.key_id', true), '')::uuid;
    subject text := NULLIF(pg_catalog.current_setting('aio.subject', true), '');
    request_id text := NULLIF(pg_catalog.current_setting('aio.request_id', true), '');
    keys text[] := pg_catalog.string_to_array(TG_ARGV[0], ',');
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO orchestrator.audit_log (db_role, login_role, key_id, subject, request_id, table_name, row_key, action, changes)
        SELECT db_role, SESSION_USER, key_id, subject, request_id, TG_TABLE_NAME,
               CASE WHEN pg_catalog.cardinality(keys) = 1 THEN r.j->>keys[1]
                    ELSE pg_catalog.array_to_string(ARRAY(SELECT r.j->>k FROM pg_catalog.unnest(keys) k), '/') END,
               'INSERT', r.j - 'key_hash'
        FROM (SELECT pg_catalog.to_jsonb(n) AS j FROM new_rows n) r;
    ELSE
        INSERT INTO orchestrator.audit_log (db_role, login_role, key_id, subject, request_id, table_name, row_key, action, changes)
        SELECT db_role, SESSION_USER, key_id, subject, request_id, TG_TABLE_NAME,
               CASE WHEN pg_catalog.cardinality(keys) = 1 THEN r.j->>keys[1]
                    ELSE pg_catalog.array_to_string(ARRAY(SELECT r.j->>k FROM pg_catalog.unnest(keys) k), '/') END,
               'DELETE', r.j - 'key_hash'
        FROM (SELECT pg_catalog.to_jsonb(o) AS j FROM old_rows o) r;
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION orchestrator.audit_statement() IS
'Statement trigger: writes one audit row per inserted or deleted row, from the statement''s transition table (new_rows or old_rows), in one INSERT. TG_ARGV[0]: the key columns, comma separated. Updates are audited per row by orchestrator.audit_change().';

-- table, key columns, and the arguments of its row-level update trigger
DO $$
DECLARE
    t record;
BEGIN
    FOR t IN SELECT * FROM (VALUES
        ('nodes', 'node_id', $a$'node_id'$a$), ('tools', 'tool_id', $a$'tool_id'$a$),
        ('tool_tags', 'tool_id,tag', $a$'tool_id,tag'$a$), ('artifacts', 'artifact_id', $a$'artifact_id'$a$),
        ('api_keys', 'key_id', $a$'key_id', 'last_used_at'$a$), ('settings', 'name', $a$'name'$a$),
        ('tool_deactivations', 'tool_id', $a$'tool_id'$a$)) v(tab, keys, update_args)
    LOOP
        EXECUTE format('DROP TRIGGER %I ON orchestrator.%I', t.tab || '_audit', t.tab);
        EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON orchestrator.%I FOR EACH ROW EXECUTE FUNCTION orchestrator.audit_change(%s)',
                       t.tab || '_audit', t.tab, t.update_args);
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON orchestrator.%I REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION orchestrator.audit_statement(%L)',
                       t.tab || '_audit_insert', t.tab, t.keys);
        EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON orchestrator.%I REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION orchestrator.audit_statement(%L)',
                       t.tab || '_audit_delete', t.tab, t.keys);
    END LOOP;
END
$$;

DROP TRIGGER artifacts_node_identity ON orchestrator.artifacts;
CREATE TRIGGER artifacts_node_identity BEFORE INSERT OR UPDATE ON orchestrator.artifacts
    FOR EACH ROW WHEN (pg_catalog.current_setting('role') = 'aio_node')
    EXECUTE FUNCTION orchestrator.enforce_node_identity();
DROP TRIGGER node_heartbeats_node_identity ON orchestrator.node_heartbeats;
CREATE TRIGGER node_heartbeats_node_identity BEFORE INSERT OR UPDATE ON orchestrator.node_heartbeats
    FOR EACH ROW WHEN (pg_catalog.current_setting('role') = 'aio_node')
    EXECUTE FUNCTION orchestrator.enforce_node_identity();

COMMIT;
