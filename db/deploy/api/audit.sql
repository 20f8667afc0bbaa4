-- Deploy ai-orchestrator:api/audit
-- requires: data/audit
-- The audit log (admin): GET /audit, POST /audit/purge.
BEGIN;
SET LOCAL ROLE aio_owner;

CREATE TYPE api.audit_entry AS (
    audit_id   bigint,
    at         timestamptz,
    db_role    text,
    login_role text,
    key_id     uuid,
    subject    text,
    request_id text,
    table_name text,
    row_key    text,
    action     text,
    changes    jsonb,
    cursor     text
);
COMMENT ON TYPE api.audit_entry IS 'One audited change: when, who (role, login, key, subject, request), what row, what changed.';

CREATE FUNCTION api.audit_list(
    table_name text        DEFAULT NULL,
    row_key    text        DEFAULT NULL,
    actor      text        DEFAULT NULL,
    since      timestamptz DEFAULT NULL,
    "until"    timestamptz DEFAULT NULL,
    "limit"    integer     DEFAULT 50,
    cursor     text        DEFAULT NULL
) RETURNS SETOF api.audit_entry
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = '' SET plan_cache_mode = force_custom_plan AS $$
DECLARE
    after jsonb := orchestrator.cursor_decode(cursor, 2);
BEGIN
    PERFORM orchestrator.check_limit("limit");
    RETURN QUERY
    SELECT l.audit_id, l.at, l.db_role, l.login_role, l.key_id, l.subject, l.request_id, l.table_name, l.row_key,
           l.action, l.changes, orchestrator.cursor_encode(pg_catalog.jsonb_build_array(l.at, l.audit_id))
    FROM orchestrator.audit_log l
    WHERE (audit_list.table_name IS NULL OR l.table_name = audit_list.table_name)
      AND (audit_list.row_key IS NULL OR l.row_key = audit_list.row_key)
      AND (actor IS NULL OR l.db_role = actor OR l.login_role = actor OR l.subject = actor OR l.key_id::text = actor)
      AND (since IS NULL OR l.at >= since)
      AND (audit_list."until" IS NULL OR l.at < audit_list."until")
      AND (after IS NULL OR (l.at, l.audit_id) < ((after->>0)::timestamptz, (after->>1)::bigint))
    ORDER BY l.at DESC, l.audit_id DESC
    LIMIT "limit";
END
$$;
COMMENT ON FUNCTION api.audit_list(text, text, text, timestamptz, timestamptz, integer, text) IS
'Audited changes, newest first; filters: table_name, row_key, actor (a role, login, token subject or API key id), since (inclusive) and until (exclusive). Keyset pagination.
Example: SELECT at, db_role, action, changes FROM api.audit_list(table_name => ''tools'', row_key => ''0b6e3c52-3f0a-4d52-9c55-0d5e0c7c1a11'');
Errors: 22023 limit outside 1..1000 or a bad cursor; 22007 a time that is not a timestamp.
Route: GET /audit';

CREATE FUNCTION api.audit_purge(older_than_days integer DEFAULT NULL, OUT deleted bigint, OUT cutoff timestamptz)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
    retention integer := (SELECT s.value::integer FROM orchestrator.settings s WHERE s.name = 'audit_retention_days');
    days integer := coalesce(older_than_days, retention);
    request_role text := pg_catalog.current_setting('role');
BEGIN
    IF days IS NULL OR days NOT BETWEEN 1 AND 36500 THEN
        RAISE EXCEPTION 'older_than_days: must be between 1 and 36500, got %', coalesce(days::text, 'null')
            USING ERRCODE = 'invalid_parameter_value', COLUMN = 'older_than_days';
    ELSIF days < retention THEN
        -- The retention is the promise of how long history stays; lowering it is itself an audited change.
        RAISE EXCEPTION 'older_than_days: may not be below the audit retention of % days, got %', retention, days
            USING ERRCODE = 'invalid_parameter_value', COLUMN = 'older_than_days',
                  HINT = 'Change audit_retention_days in orchestrator.settings (audited) to keep less.';
    END IF;
    cutoff := pg_catalog.now() - pg_catalog.make_interval(days => days);
    DELETE FROM orchestrator.audit_log l WHERE l.at < cutoff;
    GET DIAGNOSTICS deleted = ROW_COUNT;
    -- A purge leaves its own trace: who purged which range, and how many rows went.
    INSERT INTO orchestrator.audit_log (db_role, login_role, key_id, subject, request_id, table_name, row_key, action, changes)
    VALUES (CASE WHEN request_role = 'none' THEN SESSION_USER ELSE request_role END, SESSION_USER,
            NULLIF(pg_catalog.current_setting('aio.key_id', true), '')::uuid,
            NULLIF(pg_catalog.current_setting('aio.subject', true), ''),
            NULLIF(pg_catalog.current_setting('aio.request_id', true), ''),
            'audit_log', cutoff::text, 'PURGE',
            pg_catalog.jsonb_build_object('older_than_days', days, 'before', cutoff, 'deleted', deleted));
END
$$;
COMMENT ON FUNCTION api.audit_purge(integer) IS
'Applies the audit retention: deletes audit rows older than older_than_days, by default the setting audit_retention_days (90), never fewer days than that setting. Each purge writes an audit row (table_name audit_log, action PURGE) with its cutoff and count.
Example: SELECT * FROM api.audit_purge();
Errors: 22023 older_than_days outside 1..36500 or below audit_retention_days.
Route: POST /audit/purge';

GRANT EXECUTE ON FUNCTION api.audit_list(text, text, text, timestamptz, timestamptz, integer, text), api.audit_purge(integer)
TO aio_admin;

COMMIT;
