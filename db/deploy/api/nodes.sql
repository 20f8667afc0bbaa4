-- Deploy ai-orchestrator:api/nodes (reworked after v1.1.0)
-- requires: api/nodes@v1.1.0
-- Node CRUD, the whole family: nodes carry their revision (the ETag over HTTP); update and delete
-- may demand it (If-Match). Every function is replaced, so deploying this twice changes nothing.
BEGIN;
SET LOCAL ROLE aio_owner;

CREATE OR REPLACE FUNCTION orchestrator.node_out(n orchestrator.nodes, last_heartbeat_at timestamptz) RETURNS api.node
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT ROW(n.node_id, n.name, n.node_type, n.address, n.status, last_heartbeat_at,
               n.labels, n.metadata, n.created_at, n.updated_at, n.revision)::api.node
$$;
COMMENT ON FUNCTION orchestrator.node_out(orchestrator.nodes, timestamptz) IS 'A nodes row and its last heartbeat as api.node.';

-- PL/pgSQL, not SQL: a SQL function with a FROM is never inlined, and each transaction that calls
-- it plans its query again; PL/pgSQL keeps the plan for the session.
CREATE OR REPLACE FUNCTION orchestrator.last_heartbeat(node_id uuid) RETURNS timestamptz
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
    RETURN (SELECT h.last_heartbeat_at FROM orchestrator.node_heartbeats h WHERE h.node_id = last_heartbeat.node_id);
END
$$;
COMMENT ON FUNCTION orchestrator.last_heartbeat(uuid) IS 'When the node last beat; NULL when never.';

CREATE OR REPLACE FUNCTION orchestrator.node_not_found(node_id uuid) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'node_id: no node has id %', node_id
        USING ERRCODE = 'no_data_found', COLUMN = 'node_id';
END
$$;
COMMENT ON FUNCTION orchestrator.node_not_found(uuid) IS 'Raises P0002 for a node_id that matches no node.';

-- node_create -------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION api.node_create(
    node_type text,
    address   text,
    name      text  DEFAULT NULL,
    status    text  DEFAULT 'ACTIVE',
    labels    jsonb DEFAULT '{}',
    metadata  jsonb DEFAULT '{}'
) RETURNS api.node
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
    created orchestrator.nodes;
    e_state text; e_schema text; e_table text; e_constraint text; e_column text; e_message text; e_detail text;
BEGIN
    INSERT INTO orchestrator.nodes (node_type, address, name, status, labels, metadata)
    VALUES (node_type, address, name, status, labels, metadata)
    RETURNING * INTO created;
    RETURN orchestrator.node_out(created, NULL);
EXCEPTION WHEN integrity_constraint_violation THEN
    GET STACKED DIAGNOSTICS e_state = RETURNED_SQLSTATE, e_schema = SCHEMA_NAME, e_table = TABLE_NAME,
        e_constraint = CONSTRAINT_NAME, e_column = COLUMN_NAME, e_message = MESSAGE_TEXT, e_detail = PG_EXCEPTION_DETAIL;
    PERFORM orchestrator.raise_constraint_error(e_state, e_schema, e_table, e_constraint, e_column, e_message, e_detail);
    RAISE;  -- reached only if the helper returned: the original error stands
END
$$;
COMMENT ON FUNCTION api.node_create(text, text, text, text, jsonb, jsonb) IS
'Registers a worker node and returns it with its node_id.
Example: SELECT * FROM api.node_create(node_type => ''TOOL_EXECUTOR'', address => ''http://10.0.0.5:8080'', name => ''gpu-01'', labels => ''{"zone": "eu-1"}'');
Errors: 23505 a node with this name exists; 23514 bad node_type, address, status, name, labels or metadata; 23502 a required field is null.
Route: POST /nodes/ -> 201';

-- node_get ----------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION api.node_get(node_id uuid) RETURNS api.node
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
    node_row orchestrator.nodes;
BEGIN
    -- A node key sees its own node only (checked before the lookup: it learns nothing of others).
    IF pg_catalog.current_setting('role') = 'aio_node'
       AND node_get.node_id IS DISTINCT FROM NULLIF(pg_catalog.current_setting('aio.node_id', true), '')::uuid THEN
        RAISE EXCEPTION 'node_id: a node key may only read its own node' USING ERRCODE = 'insufficient_privilege', COLUMN = 'node_id';
    END IF;
    SELECT * INTO node_row FROM orchestrator.nodes n WHERE n.node_id = node_get.node_id;
    IF NOT FOUND THEN
        PERFORM orchestrator.node_not_found(node_get.node_id);
    END IF;
    RETURN orchestrator.node_out(node_row, orchestrator.last_heartbeat(node_row.node_id));
END
$$;
COMMENT ON FUNCTION api.node_get(uuid) IS
'One node by id. A node key (role aio_node) may read its own node only.
Example: SELECT * FROM api.node_get(node_id => ''6f1c1e0e-6b3e-4bb0-9b62-1a6f3f2f4a10'');
Errors: P0002 no node has this id; 22P02 node_id is not a UUID; 42501 a node key asking for another node.
Route: GET /nodes/{node_id}';

-- node_list ---------------------------------------------------------------------------
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
    SELECT o.node_id, o.name, o.node_type, o.address, o.status, o.last_heartbeat_at, o.labels, o.metadata,
           o.created_at, o.updated_at, orchestrator.cursor_encode(pg_catalog.jsonb_build_array(n.created_at, n.node_id)),
           o.revision
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

CREATE OR REPLACE FUNCTION api.node_list_by_type(node_type text, "limit" integer DEFAULT 50, cursor text DEFAULT NULL)
RETURNS SETOF api.node_item
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' AS $$
    SELECT * FROM api.node_list(node_type => node_type, "limit" => "limit", cursor => cursor)
$$;
COMMENT ON FUNCTION api.node_list_by_type(text, integer, text) IS
'Nodes of one type, oldest first; keyset pagination.
Example: SELECT * FROM api.node_list_by_type(node_type => ''TOOL_EXECUTOR'');
Errors: 22023 limit outside 1..1000 or a bad cursor.
Route: GET /nodes/type/{node_type}';

CREATE OR REPLACE FUNCTION api.node_list_active("limit" integer DEFAULT 50, cursor text DEFAULT NULL)
RETURNS SETOF api.node_item
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' AS $$
    SELECT * FROM api.node_list(status => 'ACTIVE', "limit" => "limit", cursor => cursor)
$$;
COMMENT ON FUNCTION api.node_list_active(integer, text) IS
'ACTIVE nodes, oldest first; keyset pagination.
Example: SELECT * FROM api.node_list_active("limit" => 100);
Errors: 22023 limit outside 1..1000 or a bad cursor.
Route: GET /nodes/active/';

-- node_update -------------------------------------------------------------------------
-- expected_revision is a new argument: the released signature goes.
DROP FUNCTION IF EXISTS api.node_update(uuid, jsonb);
CREATE OR REPLACE FUNCTION api.node_update(node_id uuid, patch jsonb, expected_revision bigint DEFAULT NULL) RETURNS api.node
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
    updated orchestrator.nodes;
    e_state text; e_schema text; e_table text; e_constraint text; e_column text; e_message text; e_detail text;
BEGIN
    -- Only a node's own heartbeats say when it last beat: a hand-set time (infinity, 2999) would
    -- show it healthy forever.
    IF pg_catalog.jsonb_typeof(patch) = 'object' AND patch ? 'last_heartbeat_at' THEN
        RAISE EXCEPTION 'last_heartbeat_at: set by the node''s heartbeats only, not by an update'
            USING ERRCODE = 'invalid_parameter_value', COLUMN = 'last_heartbeat_at',
                  HINT = 'POST /nodes/{node_id}/heartbeat (api.node_heartbeat) records a beat.';
    END IF;
    PERFORM orchestrator.check_patch(patch, '{"name": "string", "node_type": "string", "address": "string",
        "status": "string", "labels": "object", "metadata": "object"}');
    UPDATE orchestrator.nodes n SET
        name              = CASE WHEN patch ? 'name' THEN patch->>'name' ELSE n.name END,
        node_type         = CASE WHEN patch ? 'node_type' THEN patch->>'node_type' ELSE n.node_type END,
        address           = CASE WHEN patch ? 'address' THEN patch->>'address' ELSE n.address END,
        status            = CASE WHEN patch ? 'status' THEN patch->>'status' ELSE n.status END,
        labels            = CASE WHEN patch ? 'labels' THEN NULLIF(patch->'labels', 'null'::jsonb) ELSE n.labels END,
        metadata          = CASE WHEN patch ? 'metadata' THEN NULLIF(patch->'metadata', 'null'::jsonb) ELSE n.metadata END
    WHERE n.node_id = node_update.node_id AND (expected_revision IS NULL OR n.revision = expected_revision)
    RETURNING * INTO updated;
    IF NOT FOUND THEN
        PERFORM orchestrator.revision_mismatch('node', (SELECT n.revision FROM orchestrator.nodes n WHERE n.node_id = node_update.node_id),
                                               expected_revision);
        PERFORM orchestrator.node_not_found(node_update.node_id);
    END IF;
    RETURN orchestrator.node_out(updated, orchestrator.last_heartbeat(updated.node_id));
EXCEPTION WHEN integrity_constraint_violation THEN
    GET STACKED DIAGNOSTICS e_state = RETURNED_SQLSTATE, e_schema = SCHEMA_NAME, e_table = TABLE_NAME,
        e_constraint = CONSTRAINT_NAME, e_column = COLUMN_NAME, e_message = MESSAGE_TEXT, e_detail = PG_EXCEPTION_DETAIL;
    PERFORM orchestrator.raise_constraint_error(e_state, e_schema, e_table, e_constraint, e_column, e_message, e_detail);
    RAISE;  -- reached only if the helper returned: the original error stands
END
$$;
COMMENT ON FUNCTION api.node_update(uuid, jsonb, bigint) IS
'Partial update: only the fields present in patch change; a JSON null clears a nullable field.
Fields: name, node_type, address, status, labels, metadata; last_heartbeat_at is set by heartbeats only (api.node_heartbeat). With expected_revision (HTTP: If-Match) the update happens only if the node is still at that revision.
Example: SELECT * FROM api.node_update(node_id => ''6f1c1e0e-6b3e-4bb0-9b62-1a6f3f2f4a10'', patch => ''{"status": "MAINTENANCE"}'');
Errors: P0002 no node has this id; PT412 the node is no longer at expected_revision; 22023 unknown field, last_heartbeat_at, or patch not an object; 23505 name taken; 23514 bad value; 23502 null for a required field.
Route: PUT /nodes/{node_id}';

-- node_delete -------------------------------------------------------------------------
DROP FUNCTION IF EXISTS api.node_delete(uuid);
CREATE OR REPLACE FUNCTION api.node_delete(node_id uuid, expected_revision bigint DEFAULT NULL) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
BEGIN
    DELETE FROM orchestrator.nodes n
    WHERE n.node_id = node_delete.node_id AND (expected_revision IS NULL OR n.revision = expected_revision);
    IF NOT FOUND THEN
        PERFORM orchestrator.revision_mismatch('node', (SELECT n.revision FROM orchestrator.nodes n WHERE n.node_id = node_delete.node_id),
                                               expected_revision);
        PERFORM orchestrator.node_not_found(node_delete.node_id);
    END IF;
END
$$;
COMMENT ON FUNCTION api.node_delete(uuid, bigint) IS
'Deletes a node. Its tools stay, with target_node_id set to NULL; its artifacts keep their record with node_id NULL.
Example: SELECT api.node_delete(node_id => ''6f1c1e0e-6b3e-4bb0-9b62-1a6f3f2f4a10'');
With expected_revision (HTTP: If-Match) only if the node is still at that revision.
Errors: P0002 no node has this id; PT412 the node is no longer at expected_revision.
Route: DELETE /nodes/{node_id} -> 204';

GRANT EXECUTE ON FUNCTION api.node_update(uuid, jsonb, bigint), api.node_delete(uuid, bigint) TO aio_writer;

COMMIT;
