-- Deploy ai-orchestrator:api/keys
-- requires: auth/authenticate
-- API key management (admin): /keys routes.
BEGIN;
SET LOCAL ROLE aio_owner;

CREATE TYPE api.api_key AS (
    key_id       uuid,
    label        text,
    role         text,
    node_id      uuid,
    key_prefix   text,
    expires_at   timestamptz,
    revoked_at   timestamptz,
    last_used_at timestamptz,
    created_by   text,
    created_at   timestamptz,
    cursor       text
);
COMMENT ON TYPE api.api_key IS 'An API key as listed: never the key itself, nor its hash.';

CREATE TYPE api.new_api_key AS (
    key_id     uuid,
    key        text,
    label      text,
    role       text,
    node_id    uuid,
    key_prefix text,
    expires_at timestamptz,
    created_at timestamptz
);
COMMENT ON TYPE api.new_api_key IS 'A key just created, with the key itself: shown this once, stored only as a hash.';

CREATE FUNCTION api.api_key_create(role text, label text, expires_at timestamptz DEFAULT NULL, node_id uuid DEFAULT NULL)
RETURNS api.new_api_key
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
    -- 244 random bits from two version-4 UUIDs (pg_strong_random), as 64 hex digits.
    secret text := 'aio_' || pg_catalog.replace(pg_catalog.gen_random_uuid()::text || pg_catalog.gen_random_uuid()::text, '-', '');
    created orchestrator.api_keys;
    e_state text; e_schema text; e_table text; e_constraint text; e_column text; e_message text; e_detail text;
BEGIN
    IF api_key_create.expires_at <= pg_catalog.now() THEN
        RAISE EXCEPTION 'expires_at: must be in the future, got %', api_key_create.expires_at
            USING ERRCODE = 'invalid_parameter_value', COLUMN = 'expires_at';
    END IF;
    INSERT INTO orchestrator.api_keys (label, role, node_id, key_hash, key_prefix, expires_at, created_by)
    VALUES (label, role, node_id, orchestrator.key_hash(secret), pg_catalog.left(secret, 12), expires_at,
            coalesce(NULLIF(pg_catalog.current_setting('aio.key_id', true), ''), SESSION_USER))
    RETURNING * INTO created;
    RETURN ROW(created.key_id, secret, created.label, created.role, created.node_id, created.key_prefix,
               created.expires_at, created.created_at)::api.new_api_key;
EXCEPTION WHEN integrity_constraint_violation THEN
    GET STACKED DIAGNOSTICS e_state = RETURNED_SQLSTATE, e_schema = SCHEMA_NAME, e_table = TABLE_NAME,
        e_constraint = CONSTRAINT_NAME, e_column = COLUMN_NAME, e_message = MESSAGE_TEXT, e_detail = PG_EXCEPTION_DETAIL;
    PERFORM orchestrator.raise_constraint_error(e_state, e_schema, e_table, e_constraint, e_column, e_message, e_detail);
    RAISE;  -- reached only if the helper returned: the original error stands
END
$$;
COMMENT ON FUNCTION api.api_key_create(text, text, timestamptz, uuid) IS
'Creates an API key for a role (reader, writer, admin, or node with its node_id) and returns it: the key is shown this once and stored only as a hash.
Example: SELECT key FROM api.api_key_create(role => ''writer'', label => ''ci pipeline'', expires_at => now() + interval ''90 days'');
Errors: 23514 unknown role, blank label, node_id missing for a node key or given for another role; 23503 no such node; 22023 expires_at in the past; 23502 role or label null.
Route: POST /keys/ -> 201';

CREATE FUNCTION api.api_key_list(include_revoked boolean DEFAULT false, "limit" integer DEFAULT 50, cursor text DEFAULT NULL)
RETURNS SETOF api.api_key
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
    after jsonb := orchestrator.cursor_decode(cursor, 2);
BEGIN
    PERFORM orchestrator.check_limit("limit");
    RETURN QUERY
    SELECT k.key_id, k.label, k.role, k.node_id, k.key_prefix, k.expires_at, k.revoked_at, k.last_used_at,
           k.created_by, k.created_at, orchestrator.cursor_encode(pg_catalog.jsonb_build_array(k.created_at, k.key_id))
    FROM orchestrator.api_keys k
    WHERE (include_revoked OR k.revoked_at IS NULL)
      AND (after IS NULL OR (k.created_at, k.key_id) > ((after->>0)::timestamptz, (after->>1)::uuid))
    ORDER BY k.created_at, k.key_id
    LIMIT "limit";
END
$$;
COMMENT ON FUNCTION api.api_key_list(boolean, integer, text) IS
'API keys, oldest first, without their secrets: label, role, node, prefix, expiry, revocation, last use. Revoked keys only with include_revoked. Keyset pagination.
Example: SELECT label, role, key_prefix, last_used_at FROM api.api_key_list();
Errors: 22023 limit outside 1..1000 or a bad cursor.
Route: GET /keys/';

CREATE FUNCTION api.api_key_revoke(key_id uuid) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
BEGIN
    UPDATE orchestrator.api_keys k SET revoked_at = coalesce(k.revoked_at, pg_catalog.now())
    WHERE k.key_id = api_key_revoke.key_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'key_id: no API key has id %', api_key_revoke.key_id USING ERRCODE = 'no_data_found', COLUMN = 'key_id';
    END IF;
END
$$;
COMMENT ON FUNCTION api.api_key_revoke(uuid) IS
'Revokes an API key: the next request made with it is refused (401). Revoking twice is not an error.
Example: SELECT api.api_key_revoke(key_id => ''2b1f0c7e-6a43-4c55-9a9e-3f2d2a1b0c9d'');
Errors: P0002 no key has this id.
Route: DELETE /keys/{key_id} -> 204';

GRANT EXECUTE ON FUNCTION api.api_key_create(text, text, timestamptz, uuid), api.api_key_list(boolean, integer, text),
    api.api_key_revoke(uuid) TO aio_admin;

COMMIT;
