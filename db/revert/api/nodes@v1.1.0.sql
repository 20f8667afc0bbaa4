-- Revert ai-orchestrator:api/nodes to v1.0.0: the functions the rework changed, as released.
BEGIN;
SET LOCAL ROLE aio_owner;
-- The released row builders match the types without revision, which api/node_revision's revert
-- restores next: their bodies cannot be checked against the types until then.
SET LOCAL check_function_bodies = off;

DROP FUNCTION api.node_update(uuid, jsonb, bigint);
CREATE FUNCTION api.node_update(node_id uuid, patch jsonb) RETURNS api.node
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
    updated orchestrator.nodes;
    e_state text; e_schema text; e_table text; e_constraint text; e_column text; e_message text; e_detail text;
BEGIN
    PERFORM orchestrator.check_patch(patch, '{"name": "string", "node_type": "string", "address": "string",
        "status": "string", "last_heartbeat_at": "string", "labels": "object", "metadata": "object"}');
    UPDATE orchestrator.nodes n SET
        name              = CASE WHEN patch ? 'name' THEN patch->>'name' ELSE n.name END,
        node_type         = CASE WHEN patch ? 'node_type' THEN patch->>'node_type' ELSE n.node_type END,
        address           = CASE WHEN patch ? 'address' THEN patch->>'address' ELSE n.address END,
        status            = CASE WHEN patch ? 'status' THEN patch->>'status' ELSE n.status END,
        labels            = CASE WHEN patch ? 'labels' THEN NULLIF(patch->'labels', 'null'::jsonb) ELSE n.labels END,
        metadata          = CASE WHEN patch ? 'metadata' THEN NULLIF(patch->'metadata', 'null'::jsonb) ELSE n.metadata END
    WHERE n.node_id = node_update.node_id
    RETURNING * INTO updated;
    IF NOT FOUND THEN
        PERFORM orchestrator.node_not_found(node_update.node_id);
    END IF;
    -- Setting last_heartbeat_at by hand (a backfill, say) goes where beats go; null forgets them.
    IF patch->>'last_heartbeat_at' IS NOT NULL THEN
        INSERT INTO orchestrator.node_heartbeats AS h (node_id, last_heartbeat_at)
        VALUES (updated.node_id, (patch->>'last_heartbeat_at')::timestamptz)
        ON CONFLICT ON CONSTRAINT node_heartbeats_pkey DO UPDATE SET last_heartbeat_at = excluded.last_heartbeat_at;
    ELSIF patch ? 'last_heartbeat_at' THEN
        DELETE FROM orchestrator.node_heartbeats h WHERE h.node_id = updated.node_id;
    END IF;
    RETURN orchestrator.node_out(updated, orchestrator.last_heartbeat(updated.node_id));
EXCEPTION WHEN integrity_constraint_violation THEN
    GET STACKED DIAGNOSTICS e_state = RETURNED_SQLSTATE, e_schema = SCHEMA_NAME, e_table = TABLE_NAME,
        e_constraint = CONSTRAINT_NAME, e_column = COLUMN_NAME, e_message = MESSAGE_TEXT, e_detail = PG_EXCEPTION_DETAIL;
    PERFORM orchestrator.raise_constraint_error(e_state, e_schema, e_table, e_constraint, e_column, e_message, e_detail);
END
$$;
COMMENT ON FUNCTION api.node_update(uuid, jsonb) IS
'Partial update: only the fields present in patch change; a JSON null clears a nullable field.
Fields: name, node_type, address, status, last_heartbeat_at, labels, metadata.
Example: SELECT * FROM api.node_update(node_id => ''6f1c1e0e-6b3e-4bb0-9b62-1a6f3f2f4a10'', patch => ''{"status": "MAINTENANCE"}'');
Errors: P0002 no node has this id; 22023 unknown field or patch not an object; 23505 name taken; 23514 bad value; 23502 null for a required field.
Route: PUT /nodes/{node_id}';

DROP FUNCTION api.node_delete(uuid, bigint);
CREATE FUNCTION api.node_delete(node_id uuid) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
BEGIN
    DELETE FROM orchestrator.nodes n WHERE n.node_id = node_delete.node_id;
    IF NOT FOUND THEN
        PERFORM orchestrator.node_not_found(node_delete.node_id);
    END IF;
END
$$;
COMMENT ON FUNCTION api.node_delete(uuid) IS
'Deletes a node. Its tools stay, with target_node_id set to NULL; its artifacts keep their record with node_id NULL.
Example: SELECT api.node_delete(node_id => ''6f1c1e0e-6b3e-4bb0-9b62-1a6f3f2f4a10'');
Errors: P0002 no node has this id.
Route: DELETE /nodes/{node_id} -> 204';

GRANT EXECUTE ON FUNCTION api.node_update(uuid, jsonb), api.node_delete(uuid) TO aio_writer;

CREATE OR REPLACE FUNCTION orchestrator.node_out(n orchestrator.nodes, last_heartbeat_at timestamptz) RETURNS api.node
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT ROW(n.node_id, n.name, n.node_type, n.address, n.status, last_heartbeat_at,
               n.labels, n.metadata, n.created_at, n.updated_at)::api.node
$$;
COMMENT ON FUNCTION orchestrator.node_out(orchestrator.nodes, timestamptz) IS 'A nodes row and its last heartbeat as api.node.';

CREATE OR REPLACE FUNCTION api.node_list(
    node_type text    DEFAULT NULL,
    status    text    DEFAULT NULL,
    "limit"   integer DEFAULT 50,
    cursor    text    DEFAULT NULL
) RETURNS SETOF api.node_item
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = '' SET plan_cache_mode = force_custom_plan AS $$
DECLARE
    after jsonb := orchestrator.cursor_decode(cursor, 2);
BEGIN
    PERFORM orchestrator.check_limit("limit"), orchestrator.check_enum('status', status, orchestrator.node_statuses());
    RETURN QUERY
    SELECT o.*, orchestrator.cursor_encode(pg_catalog.jsonb_build_array(n.created_at, n.node_id))
    FROM orchestrator.nodes n
    LEFT JOIN orchestrator.node_heartbeats h ON h.node_id = n.node_id,
    LATERAL orchestrator.node_out(n, h.last_heartbeat_at) o
    WHERE (node_list.node_type IS NULL OR n.node_type = node_list.node_type)
      AND (node_list.status IS NULL OR n.status = node_list.status)
      AND (after IS NULL OR (n.created_at, n.node_id) > ((after->>0)::timestamptz, (after->>1)::uuid))
    ORDER BY n.created_at, n.node_id
    LIMIT "limit";
END
$$;
COMMENT ON FUNCTION api.node_list(text, text, integer, text) IS
'Nodes, oldest first, optionally filtered by node_type and status; keyset pagination.
Example: SELECT * FROM api.node_list(status => ''ACTIVE'', "limit" => 20);
Next page: pass the cursor of the last item as cursor.
Errors: 22023 limit outside 1..1000, unknown status, or a cursor not issued by this list.
Route: GET /nodes/';

COMMIT;
