-- Deploy ai-orchestrator:api/artifacts
-- requires: data/artifacts
-- Artifact records: /artifacts routes.
BEGIN;
SET LOCAL ROLE aio_owner;

CREATE TYPE api.artifact AS (
    artifact_id     uuid,
    tool_id         uuid,
    node_id         uuid,
    name            text,
    uri             text,
    mime_type       text,
    size_bytes      bigint,
    checksum_sha256 text,
    metadata        jsonb,
    created_at      timestamptz,
    updated_at      timestamptz
);
COMMENT ON TYPE api.artifact IS 'An artifact record as the API shows it.';

CREATE TYPE api.artifact_item AS (
    artifact_id     uuid,
    tool_id         uuid,
    node_id         uuid,
    name            text,
    uri             text,
    mime_type       text,
    size_bytes      bigint,
    checksum_sha256 text,
    metadata        jsonb,
    created_at      timestamptz,
    updated_at      timestamptz,
    cursor          text
);
COMMENT ON TYPE api.artifact_item IS 'An artifact in a list, with cursor: pass it as cursor to get the items after this one.';

CREATE FUNCTION orchestrator.artifact_out(a orchestrator.artifacts) RETURNS api.artifact
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT ROW(a.artifact_id, a.tool_id, a.node_id, a.name, a.uri, a.mime_type, a.size_bytes,
               a.checksum_sha256, a.metadata, a.created_at, a.updated_at)::api.artifact
$$;
COMMENT ON FUNCTION orchestrator.artifact_out(orchestrator.artifacts) IS 'An artifacts row as api.artifact.';

CREATE FUNCTION orchestrator.artifact_not_found(artifact_id uuid) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'artifact_id: no artifact has id %', artifact_id USING ERRCODE = 'no_data_found', COLUMN = 'artifact_id';
END
$$;
COMMENT ON FUNCTION orchestrator.artifact_not_found(uuid) IS 'Raises P0002 for an artifact_id that matches no artifact.';

-- artifact_create -----------------------------------------------------------------------
CREATE FUNCTION api.artifact_create(
    name            text,
    uri             text,
    tool_id         uuid   DEFAULT NULL,
    node_id         uuid   DEFAULT NULL,
    mime_type       text   DEFAULT 'application/octet-stream',
    size_bytes      bigint DEFAULT 0,
    checksum_sha256 text   DEFAULT NULL,
    metadata        jsonb  DEFAULT '{}'
) RETURNS api.artifact
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
    created orchestrator.artifacts;
    e_state text; e_schema text; e_table text; e_constraint text; e_column text; e_message text; e_detail text;
BEGIN
    INSERT INTO orchestrator.artifacts (name, uri, tool_id, node_id, mime_type, size_bytes, checksum_sha256, metadata)
    VALUES (name, uri, tool_id, node_id, mime_type, size_bytes, checksum_sha256, metadata)
    RETURNING * INTO created;
    RETURN orchestrator.artifact_out(created);
EXCEPTION WHEN integrity_constraint_violation THEN
    GET STACKED DIAGNOSTICS e_state = RETURNED_SQLSTATE, e_schema = SCHEMA_NAME, e_table = TABLE_NAME,
        e_constraint = CONSTRAINT_NAME, e_column = COLUMN_NAME, e_message = MESSAGE_TEXT, e_detail = PG_EXCEPTION_DETAIL;
    PERFORM orchestrator.raise_constraint_error(e_state, e_schema, e_table, e_constraint, e_column, e_message, e_detail);
END
$$;
COMMENT ON FUNCTION api.artifact_create(text, text, uuid, uuid, text, bigint, text, jsonb) IS
'Records an artifact that a tool produced and returns it with its artifact_id.
Example: SELECT * FROM api.artifact_create(name => ''summary.json'', uri => ''s3://results/run-42/summary.json'', tool_id => ''0b6e3c52-3f0a-4d52-9c55-0d5e0c7c1a11'', mime_type => ''application/json'', size_bytes => 5120);
Errors: 23503 tool_id or node_id names nothing; 23514 bad name, uri, mime_type, size_bytes (negative), checksum_sha256 (not 64 lower-case hex) or metadata; 23502 a required field is null.
Route: POST /artifacts/ -> 201';

-- artifact_get ----------------------------------------------------------------------------
CREATE FUNCTION api.artifact_get(artifact_id uuid) RETURNS api.artifact
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
    artifact_row orchestrator.artifacts;
BEGIN
    SELECT * INTO artifact_row FROM orchestrator.artifacts a WHERE a.artifact_id = artifact_get.artifact_id;
    IF NOT FOUND THEN
        PERFORM orchestrator.artifact_not_found(artifact_get.artifact_id);
    END IF;
    RETURN orchestrator.artifact_out(artifact_row);
END
$$;
COMMENT ON FUNCTION api.artifact_get(uuid) IS
'One artifact record by id.
Example: SELECT * FROM api.artifact_get(artifact_id => ''5d0f6a4e-8d8e-4c3e-b9a4-7f0e1e2d3c4b'');
Errors: P0002 no artifact has this id; 22P02 artifact_id is not a UUID.
Route: GET /artifacts/{artifact_id}';

-- lists -------------------------------------------------------------------------------------
CREATE FUNCTION api.artifact_list(
    tool_id        uuid        DEFAULT NULL,
    node_id        uuid        DEFAULT NULL,
    mime_type      text        DEFAULT NULL,
    created_after  timestamptz DEFAULT NULL,
    created_before timestamptz DEFAULT NULL,
    "limit"        integer     DEFAULT 50,
    cursor         text        DEFAULT NULL
) RETURNS SETOF api.artifact_item
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = '' SET plan_cache_mode = force_custom_plan AS $$
DECLARE
    after jsonb := orchestrator.cursor_decode(cursor, 2);
BEGIN
    PERFORM orchestrator.check_limit("limit");
    RETURN QUERY
    SELECT o.*, orchestrator.cursor_encode(pg_catalog.jsonb_build_array(a.created_at, a.artifact_id))
    FROM orchestrator.artifacts a, LATERAL orchestrator.artifact_out(a) o
    WHERE (artifact_list.tool_id IS NULL OR a.tool_id = artifact_list.tool_id)
      AND (artifact_list.node_id IS NULL OR a.node_id = artifact_list.node_id)
      AND (artifact_list.mime_type IS NULL OR a.mime_type = artifact_list.mime_type)
      AND (created_after IS NULL OR a.created_at >= created_after)
      AND (created_before IS NULL OR a.created_at < created_before)
      AND (after IS NULL OR (a.created_at, a.artifact_id) < ((after->>0)::timestamptz, (after->>1)::uuid))
    ORDER BY a.created_at DESC, a.artifact_id DESC
    LIMIT "limit";
END
$$;
COMMENT ON FUNCTION api.artifact_list(uuid, uuid, text, timestamptz, timestamptz, integer, text) IS
'Artifact records, newest first; filters: tool_id, node_id, mime_type, and created_after (inclusive) / created_before (exclusive). Keyset pagination.
Example: SELECT * FROM api.artifact_list(mime_type => ''application/json'', created_after => now() - interval ''1 day'');
Errors: 22023 limit outside 1..1000 or a bad cursor; 22P02 an id is not a UUID; 22007 a time is not a timestamp.
Route: GET /artifacts/';

CREATE FUNCTION api.artifact_list_by_tool(tool_id uuid, "limit" integer DEFAULT 50, cursor text DEFAULT NULL)
RETURNS SETOF api.artifact_item
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
BEGIN
    IF NOT EXISTS (SELECT FROM orchestrator.tools t WHERE t.tool_id = artifact_list_by_tool.tool_id) THEN
        PERFORM orchestrator.tool_not_found(artifact_list_by_tool.tool_id);
    END IF;
    RETURN QUERY SELECT * FROM api.artifact_list(tool_id => artifact_list_by_tool.tool_id, "limit" => "limit", cursor => cursor);
END
$$;
COMMENT ON FUNCTION api.artifact_list_by_tool(uuid, integer, text) IS
'A tool''s artifacts, newest first; keyset pagination.
Example: SELECT name, size_bytes FROM api.artifact_list_by_tool(tool_id => ''0b6e3c52-3f0a-4d52-9c55-0d5e0c7c1a11'');
Errors: P0002 no tool has this id; 22023 limit outside 1..1000 or a bad cursor.
Route: GET /artifacts/tool/{tool_id}';

CREATE FUNCTION api.artifact_list_large(min_size bigint DEFAULT 104857600, "limit" integer DEFAULT 50, cursor text DEFAULT NULL)
RETURNS SETOF api.artifact_item
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
    after jsonb := orchestrator.cursor_decode(cursor, 2);
BEGIN
    PERFORM orchestrator.check_limit("limit");
    IF min_size IS NULL OR min_size < 0 THEN
        RAISE EXCEPTION 'min_size: must be 0 or more, got %', coalesce(min_size::text, 'null')
            USING ERRCODE = 'invalid_parameter_value', COLUMN = 'min_size';
    END IF;
    RETURN QUERY
    SELECT o.*, orchestrator.cursor_encode(pg_catalog.jsonb_build_array(a.size_bytes, a.artifact_id))
    FROM orchestrator.artifacts a, LATERAL orchestrator.artifact_out(a) o
    WHERE a.size_bytes >= min_size
      AND (after IS NULL OR (a.size_bytes, a.artifact_id) < ((after->>0)::bigint, (after->>1)::uuid))
    ORDER BY a.size_bytes DESC, a.artifact_id DESC
    LIMIT "limit";
END
$$;
COMMENT ON FUNCTION api.artifact_list_large(bigint, integer, text) IS
'Artifacts of at least min_size bytes (default 100 MiB), largest first; keyset pagination.
Example: SELECT name, size_bytes FROM api.artifact_list_large(min_size => 1073741824);
Errors: 22023 min_size negative, limit outside 1..1000, or a bad cursor.
Route: GET /artifacts/large/';

-- artifact_delete ---------------------------------------------------------------------------
CREATE FUNCTION api.artifact_delete(artifact_id uuid) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
BEGIN
    DELETE FROM orchestrator.artifacts a WHERE a.artifact_id = artifact_delete.artifact_id;
    IF NOT FOUND THEN
        PERFORM orchestrator.artifact_not_found(artifact_delete.artifact_id);
    END IF;
END
$$;
COMMENT ON FUNCTION api.artifact_delete(uuid) IS
'Deletes an artifact record (not the file at its uri).
Example: SELECT api.artifact_delete(artifact_id => ''5d0f6a4e-8d8e-4c3e-b9a4-7f0e1e2d3c4b'');
Errors: P0002 no artifact has this id.
Route: DELETE /artifacts/{artifact_id} -> 204';

GRANT EXECUTE ON FUNCTION
    api.artifact_create(text, text, uuid, uuid, text, bigint, text, jsonb),
    api.artifact_get(uuid),
    api.artifact_list(uuid, uuid, text, timestamptz, timestamptz, integer, text),
    api.artifact_list_by_tool(uuid, integer, text),
    api.artifact_list_large(bigint, integer, text),
    api.artifact_delete(uuid)
TO aio_api;

COMMIT;
