-- Revert ai-orchestrator:api/artifacts to v1.0.0: no revision, delete without expected_revision.
BEGIN;
SET LOCAL ROLE aio_owner;

DROP FUNCTION api.artifact_delete(uuid, bigint);
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

GRANT EXECUTE ON FUNCTION api.artifact_delete(uuid) TO aio_writer;

-- The types first: the old row builders must match them.
ALTER TYPE api.artifact_item DROP ATTRIBUTE revision;
ALTER TYPE api.artifact DROP ATTRIBUTE revision;

CREATE OR REPLACE FUNCTION api.artifact_list_large(min_size bigint DEFAULT 104857600, "limit" integer DEFAULT 50, cursor text DEFAULT NULL)
RETURNS SETOF api.artifact_item
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
    after jsonb := orchestrator.cursor_decode(cursor, 2);
    after_size bigint;
    after_id uuid;
BEGIN
    PERFORM orchestrator.check_limit("limit");
    IF min_size IS NULL OR min_size < 0 THEN
        RAISE EXCEPTION 'min_size: must be 0 or more, got %', coalesce(min_size::text, 'null')
            USING ERRCODE = 'invalid_parameter_value', COLUMN = 'min_size';
    END IF;
    IF after IS NOT NULL THEN
        -- [size_bytes, artifact_id]: a cursor of another list (artifact_list has a string first) is refused
        BEGIN
            IF pg_catalog.jsonb_typeof(after->0) <> 'number' OR pg_catalog.jsonb_typeof(after->1) <> 'string' THEN
                RAISE invalid_parameter_value;
            END IF;
            after_size := (after->>0)::bigint;
            after_id := (after->>1)::uuid;
        EXCEPTION WHEN data_exception THEN
            RAISE EXCEPTION 'cursor: % is not a cursor issued by this list', pg_catalog.quote_literal(cursor)
                USING ERRCODE = 'invalid_parameter_value', COLUMN = 'cursor',
                      HINT = 'Pass the cursor of the last item of the previous page, or omit it to start at the first page.';
        END;
    END IF;
    RETURN QUERY
    SELECT o.*, orchestrator.cursor_encode(pg_catalog.jsonb_build_array(a.size_bytes, a.artifact_id))
    FROM orchestrator.artifacts a, LATERAL orchestrator.artifact_out(a) o
    WHERE a.size_bytes >= min_size
      AND (after IS NULL OR (a.size_bytes, a.artifact_id) < (after_size, after_id))
    ORDER BY a.size_bytes DESC, a.artifact_id DESC
    LIMIT "limit";
END
$$;
COMMENT ON FUNCTION api.artifact_list_large(bigint, integer, text) IS
'Artifacts of at least min_size bytes (default 100 MiB), largest first; keyset pagination.
Example: SELECT name, size_bytes FROM api.artifact_list_large(min_size => 1073741824);
Errors: 22023 min_size negative, limit outside 1..1000, or a bad cursor.
Route: GET /artifacts/large/';

CREATE OR REPLACE FUNCTION api.artifact_list(
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
    after_at timestamptz;
    after_id uuid;
BEGIN
    PERFORM orchestrator.check_limit("limit");
    IF after IS NOT NULL THEN
        -- [created_at, artifact_id]: a cursor of another list (artifact_list_large has a number first) is refused
        BEGIN
            IF pg_catalog.jsonb_typeof(after->0) <> 'string' OR pg_catalog.jsonb_typeof(after->1) <> 'string' THEN
                RAISE invalid_parameter_value;
            END IF;
            after_at := (after->>0)::timestamptz;
            after_id := (after->>1)::uuid;
        EXCEPTION WHEN data_exception THEN
            RAISE EXCEPTION 'cursor: % is not a cursor issued by this list', pg_catalog.quote_literal(cursor)
                USING ERRCODE = 'invalid_parameter_value', COLUMN = 'cursor',
                      HINT = 'Pass the cursor of the last item of the previous page, or omit it to start at the first page.';
        END;
    END IF;
    RETURN QUERY
    SELECT o.*, orchestrator.cursor_encode(pg_catalog.jsonb_build_array(a.created_at, a.artifact_id))
    FROM orchestrator.artifacts a, LATERAL orchestrator.artifact_out(a) o
    WHERE (artifact_list.tool_id IS NULL OR a.tool_id = artifact_list.tool_id)
      AND (artifact_list.node_id IS NULL OR a.node_id = artifact_list.node_id)
      AND (artifact_list.mime_type IS NULL OR a.mime_type = artifact_list.mime_type)
      AND (created_after IS NULL OR a.created_at >= created_after)
      AND (created_before IS NULL OR a.created_at < created_before)
      AND (after IS NULL OR (a.created_at, a.artifact_id) < (after_at, after_id))
    ORDER BY a.created_at DESC, a.artifact_id DESC
    LIMIT "limit";
END
$$;
COMMENT ON FUNCTION api.artifact_list(uuid, uuid, text, timestamptz, timestamptz, integer, text) IS
'Artifact records, newest first; filters: tool_id, node_id, mime_type, and created_after (inclusive) / created_before (exclusive). Keyset pagination.
Example: SELECT * FROM api.artifact_list(mime_type => ''application/json'', created_after => now() - interval ''1 day'');
Errors: 22023 limit outside 1..1000 or a bad cursor; 22P02 an id is not a UUID; 22007 a time is not a timestamp.
Route: GET /artifacts/';

CREATE OR REPLACE FUNCTION orchestrator.artifact_out(a orchestrator.artifacts) RETURNS api.artifact
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT ROW(a.artifact_id, a.tool_id, a.node_id, a.name, a.uri, a.mime_type, a.size_bytes,
               a.checksum_sha256, a.metadata, a.created_at, a.updated_at)::api.artifact
$$;
COMMENT ON FUNCTION orchestrator.artifact_out(orchestrator.artifacts) IS 'An artifacts row as api.artifact.';



COMMIT;
