-- Deploy ai-orchestrator:data/audit
-- requires: data/api_keys data/tool_deactivations
-- Every insert, update and delete on the data tables leaves one audit row, whoever made it
-- (HTTP request or psql). Heartbeats are telemetry, not changes, and are not audited.
BEGIN;
SET LOCAL ROLE aio_owner;
SET LOCAL lock_timeout = '2s';

CREATE TABLE orchestrator.audit_log (
    audit_id   bigint      GENERATED ALWAYS AS IDENTITY,
    at         timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    db_role    text        NOT NULL,
    login_role text        NOT NULL,
    key_id     uuid,
    subject    text,
    request_id text,
    table_name text        NOT NULL,
    row_key    text        NOT NULL,
    action     text        NOT NULL,
    changes    jsonb       NOT NULL,
    CONSTRAINT audit_log_pkey PRIMARY KEY (audit_id),
    CONSTRAINT audit_log_action_valid CHECK (action IN ('INSERT', 'UPDATE', 'DELETE', 'PURGE'))
);
COMMENT ON TABLE orchestrator.audit_log IS
'Append-only record of every change to nodes, tools, tool_tags, artifacts, api_keys and settings, and of every purge of itself (action PURGE). Only the owner can change or delete rows (api.audit_purge applies the retention).';
COMMENT ON COLUMN orchestrator.audit_log.db_role IS 'The role the change was made as: the request role over HTTP, the session user in psql.';
COMMENT ON COLUMN orchestrator.audit_log.login_role IS 'The login (session user): aio_gateway for HTTP requests.';
COMMENT ON COLUMN orchestrator.audit_log.key_id IS 'The API key of the request, when it came with one.';
COMMENT ON COLUMN orchestrator.audit_log.subject IS 'The token subject (JWT sub) of the request, when it came with one.';
COMMENT ON COLUMN orchestrator.audit_log.request_id IS 'The request id (X-Request-ID) of the HTTP request.';
COMMENT ON COLUMN orchestrator.audit_log.row_key IS 'The changed row''s primary key, as text (tool_id/tag for tags).';
COMMENT ON COLUMN orchestrator.audit_log.changes IS 'INSERT: the new row; DELETE: the old row; UPDATE: {field: [old, new]} for each changed field.';

CREATE INDEX audit_log_at_idx ON orchestrator.audit_log (at, audit_id);
CREATE INDEX audit_log_row_idx ON orchestrator.audit_log (table_name, row_key, at);
CREATE INDEX audit_log_key_idx ON orchestrator.audit_log (key_id, at) WHERE key_id IS NOT NULL;
CREATE INDEX audit_log_role_idx ON orchestrator.audit_log (db_role, at);

-- The trigger functions run as the caller, without a pinned search_path: only the owner may write
-- the data tables (writes come through the api functions, which run as the owner with
-- search_path ''), and every name here is qualified. A definer with its own search_path saves and
-- restores settings on every call: about 20% of a single artifact create.
CREATE FUNCTION orchestrator.audit_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    old_row jsonb := CASE WHEN TG_OP <> 'INSERT' THEN pg_catalog.to_jsonb(OLD) END;
    new_row jsonb := CASE WHEN TG_OP <> 'DELETE' THEN pg_catalog.to_jsonb(NEW) END;
    keyed jsonb := coalesce(new_row, old_row);
    changed jsonb;
    request_role text := pg_catalog.current_setting('role');
BEGIN
    IF TG_OP = 'UPDATE' THEN
        SELECT coalesce(pg_catalog.jsonb_object_agg(n.key, pg_catalog.jsonb_build_array(o.value, n.value)), '{}')
        INTO changed
        FROM pg_catalog.jsonb_each(new_row) n JOIN pg_catalog.jsonb_each(old_row) o ON o.key = n.key
        WHERE n.value IS DISTINCT FROM o.value AND n.key <> ALL (TG_ARGV[1:] || ARRAY['updated_at', 'revision']);
        IF changed = '{}' THEN
            RETURN NULL;  -- nothing but bookkeeping (updated_at, revision, last_used_at) changed
        END IF;
    ELSE
        changed := coalesce(new_row, old_row) - 'key_hash';
    END IF;
    INSERT INTO orchestrator.audit_log (db_role, login_role, key_id, subject, request_id, table_name, row_key, action, changes)
    VALUES (CASE WHEN request_role = 'none' THEN SESSION_USER ELSE request_role END,
            SESSION_USER,
            NULLIF(pg_catalog.current_setting('aio.key_id', true), '')::uuid,
            NULLIF(pg_catalog.current_setting('aio.subject', true), ''),
            NULLIF(pg_catalog.current_setting('aio.request_id', true), ''),
            TG_TABLE_NAME,
            (SELECT pg_catalog.string_agg(keyed->>k, '/') FROM pg_catalog.unnest(pg_catalog.string_to_array(TG_ARGV[0], ',')) k),
            TG_OP, changed - 'key_hash');
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION orchestrator.audit_change() IS
'Trigger: writes one audit row per changed row. TG_ARGV[0]: the key columns, comma separated; further arguments: columns whose changes alone are not worth a row.';

-- Inserts and deletes are audited once per statement, from its transition table: a batch of
-- 1,000 artifacts would otherwise write its audit rows through 1,000 trigger calls. Updates are
-- audited per row: they compare old and new values and skip bookkeeping-only changes.
CREATE FUNCTION orchestrator.audit_statement() RETURNS trigger
LANGUAGE plpgsql AS $$
-- the transition tables of its triggers, for plpgsql_check:
-- @plpgsql_check_options: oldtable = old_rows, newtable = new_rows
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

-- table, key columns, the arguments of its row-level update trigger, and the columns whose update
-- is audited (a tag row's audited content is its tool and tag, not the list-order copies it carries)
DO $$
DECLARE
    t record;
BEGIN
    FOR t IN SELECT * FROM (VALUES
        ('nodes', 'node_id', $a$'node_id'$a$, ''), ('tools', 'tool_id', $a$'tool_id'$a$, ''),
        ('tool_tags', 'tool_id,tag', $a$'tool_id,tag'$a$, ' OF tool_id, tag'), ('artifacts', 'artifact_id', $a$'artifact_id'$a$, ''),
        ('api_keys', 'key_id', $a$'key_id', 'last_used_at'$a$, ''), ('settings', 'name', $a$'name'$a$, ''),
        ('tool_deactivations', 'tool_id', $a$'tool_id'$a$, '')) v(tab, keys, update_args, update_of)
    LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER UPDATE%s ON orchestrator.%I FOR EACH ROW EXECUTE FUNCTION orchestrator.audit_change(%s)',
                       t.tab || '_audit', t.update_of, t.tab, t.update_args);
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON orchestrator.%I REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION orchestrator.audit_statement(%L)',
                       t.tab || '_audit_insert', t.tab, t.keys);
        EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON orchestrator.%I REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION orchestrator.audit_statement(%L)',
                       t.tab || '_audit_delete', t.tab, t.keys);
    END LOOP;
END
$$;

COMMIT;
