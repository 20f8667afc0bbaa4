-- Revert ai-orchestrator:api/artifacts to v1.0.0: the functions the rework changed, as released.
BEGIN;
SET LOCAL ROLE aio_owner;
-- The released row builders match the types without revision, which api/artifact_revision's revert
-- restores next: their bodies cannot be checked against the types until then.
SET LOCAL check_function_bodies = off;

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

CREATE OR REPLACE FUNCTION orchestrator.artifact_out(a orchestrator.artifacts) RETURNS api.artifact
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT ROW(a.artifact_id, a.tool_id, a.node_id, a.name, a.uri, a.mime_type, a.size_bytes,
               a.checksum_sha256, a.metadata, a.created_at, a.updated_at)::api.artifact
$$;
COMMENT ON FUNCTION orchestrator.artifact_out(orchestrator.artifacts) IS 'An artifacts row as api.artifact.';

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

CREATE OR REPLACE FUNCTION api.artifact_list_large(min_size bigint DEFAULT 104857600, "limit" integer DEFAULT 50, cursor text DEFAULT NULL)
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

COMMIT;
