-- Deploy ai-orchestrator:api/tools (reworked after v1.0.0)
-- requires: api/tools@v1.0.0 data/revisions roles_rbac api/queries
-- Tools carry their revision (the ETag over HTTP); update and delete may demand it.
-- Every function that builds api.tool_item rows follows the new type, the schema search included.
BEGIN;
SET LOCAL ROLE aio_owner;

ALTER TYPE api.tool ADD ATTRIBUTE revision bigint;
ALTER TYPE api.tool_item ADD ATTRIBUTE revision bigint;

CREATE OR REPLACE FUNCTION orchestrator.tool_out(t orchestrator.tools) RETURNS api.tool
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT ROW(t.tool_id, t.name, t.version, t.description, t.category, t.input_schema, t.output_schema,
               t.target_node_id, t.status, t.metadata,
               ARRAY(SELECT g.tag::text FROM orchestrator.tool_tags g WHERE g.tool_id = t.tool_id ORDER BY g.tag),
               t.created_at, t.updated_at, t.revision)::api.tool
$$;
COMMENT ON FUNCTION orchestrator.tool_out(orchestrator.tools) IS 'A tools row as api.tool, tags included.';


CREATE OR REPLACE FUNCTION orchestrator.tool_page(
    "limit" integer, cursor text,
    category text DEFAULT NULL, status text DEFAULT NULL, target_node_id uuid DEFAULT NULL,
    name_contains text DEFAULT NULL, name_exact text DEFAULT NULL,
    tag_exact text DEFAULT NULL, tag_prefix text DEFAULT NULL
) RETURNS SETOF api.tool_item
LANGUAGE plpgsql STABLE SET search_path = '' SET plan_cache_mode = force_custom_plan AS $$
DECLARE
    after jsonb := orchestrator.cursor_decode(cursor, 3);
BEGIN
    PERFORM orchestrator.check_limit("limit"), orchestrator.check_enum('status', status, orchestrator.tool_statuses());
    RETURN QUERY
    SELECT o.tool_id, o.name, o.version, o.description, o.category, o.input_schema, o.output_schema, o.target_node_id, o.status, o.metadata, o.tags, o.created_at, o.updated_at,
           orchestrator.cursor_encode(pg_catalog.jsonb_build_array(t.name, t.version_key, t.tool_id)), o.revision
    FROM orchestrator.tools t, LATERAL orchestrator.tool_out(t) o
    WHERE (tool_page.category IS NULL OR t.category = tool_page.category)
      AND (tool_page.status IS NULL OR t.status = tool_page.status)
      AND (tool_page.target_node_id IS NULL OR t.target_node_id = tool_page.target_node_id)
      AND (name_contains IS NULL OR t.name LIKE '%' || pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(
               pg_catalog.lower(name_contains), '\', '\\'), '%', '\%'), '_', '\_') || '%')
      AND (name_exact IS NULL OR t.name = name_exact)
      AND (tag_exact IS NULL OR EXISTS (
               SELECT FROM orchestrator.tool_tags g WHERE g.tool_id = t.tool_id AND g.tag = tag_exact))
      AND (tag_prefix IS NULL OR EXISTS (
               SELECT FROM orchestrator.tool_tags g WHERE g.tool_id = t.tool_id
               AND g.tag >= tag_prefix AND g.tag < tag_prefix || '~'))
      AND (after IS NULL OR t.name >= after->>0)
      AND (after IS NULL OR t.name > after->>0 OR (t.name = after->>0 AND (
               t.version_key < after->>1 OR (t.version_key = after->>1 AND t.tool_id > (after->>2)::uuid))))
    ORDER BY t.name, t.version_key DESC, t.tool_id
    LIMIT "limit";
END
$$;
COMMENT ON FUNCTION orchestrator.tool_page(integer, text, text, text, uuid, text, text, text, text) IS
'One keyset page of tools in the order every tool list uses: name, semver precedence newest first, tool_id.';

CREATE OR REPLACE FUNCTION api.queries_search_tools_by_schema(
    contains jsonb   DEFAULT NULL,
    property text    DEFAULT NULL,
    side     text    DEFAULT 'any',
    "limit"  integer DEFAULT 50,
    cursor   text    DEFAULT NULL
) RETURNS SETOF api.tool_item
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = '' SET plan_cache_mode = force_custom_plan AS $$
DECLARE
    after jsonb := orchestrator.cursor_decode(cursor, 3);
    in_input boolean := side IN ('input', 'any');
    in_output boolean := side IN ('output', 'any');
BEGIN
    PERFORM orchestrator.check_limit("limit"), orchestrator.check_enum('side', side, '{input,output,any}');
    IF contains IS NULL AND property IS NULL THEN
        RAISE EXCEPTION 'contains: give contains (a JSON object) or property (a property name), or both'
            USING ERRCODE = 'invalid_parameter_value', COLUMN = 'contains';
    END IF;
    IF pg_catalog.jsonb_typeof(contains) <> 'object' THEN
        RAISE EXCEPTION 'contains: must be a JSON object, got %', pg_catalog.jsonb_typeof(contains)
            USING ERRCODE = 'invalid_parameter_value', COLUMN = 'contains';
    END IF;
    RETURN QUERY
    SELECT o.tool_id, o.name, o.version, o.description, o.category, o.input_schema, o.output_schema, o.target_node_id, o.status, o.metadata, o.tags, o.created_at, o.updated_at,
           orchestrator.cursor_encode(pg_catalog.jsonb_build_array(t.name, t.version_key, t.tool_id)), o.revision
    FROM orchestrator.tools t, LATERAL orchestrator.tool_out(t) o
    WHERE (contains IS NULL OR (in_input AND t.input_schema @> contains) OR (in_output AND t.output_schema @> contains))
      AND (property IS NULL
           OR (in_input AND orchestrator.schema_properties(t.input_schema) @> ARRAY[property])
           OR (in_output AND orchestrator.schema_properties(t.output_schema) @> ARRAY[property]))
      AND (after IS NULL OR t.name >= after->>0)
      AND (after IS NULL OR t.name > after->>0 OR (t.name = after->>0 AND (
               t.version_key < after->>1 OR (t.version_key = after->>1 AND t.tool_id > (after->>2)::uuid))))
    ORDER BY t.name, t.version_key DESC, t.tool_id
    LIMIT "limit";
END
$$;
COMMENT ON FUNCTION api.queries_search_tools_by_schema(jsonb, text, text, integer, text) IS
'Tools whose input and/or output JSON Schema contains a JSON fragment (@>, GIN jsonb_path_ops index) or declares a top-level property name (GIN index on the property names). side: input, output or any (default).
Example: SELECT name, version FROM api.queries_search_tools_by_schema(contains => ''{"properties": {"text": {"type": "string"}}}'', side => ''input'');
         SELECT name, version FROM api.queries_search_tools_by_schema(property => ''image_url'');
Errors: 22023 neither contains nor property given, contains not an object, unknown side, limit outside 1..1000, or a bad cursor.
Route: GET /queries/search-tools-by-schema';

DROP FUNCTION api.tool_update(uuid, jsonb);
CREATE FUNCTION api.tool_update(tool_id uuid, patch jsonb, expected_revision bigint DEFAULT NULL) RETURNS api.tool
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
    updated orchestrator.tools;
    e_state text; e_schema text; e_table text; e_constraint text; e_column text; e_message text; e_detail text;
BEGIN
    PERFORM orchestrator.check_patch(patch, '{"name": "string", "version": "string", "description": "string",
        "category": "string", "input_schema": "object", "output_schema": "object", "target_node_id": "string",
        "status": "string", "metadata": "object", "tags": "array"}');
    UPDATE orchestrator.tools t SET
        name           = CASE WHEN patch ? 'name' THEN patch->>'name' ELSE t.name END,
        version        = CASE WHEN patch ? 'version' THEN patch->>'version' ELSE t.version END,
        description    = CASE WHEN patch ? 'description' THEN patch->>'description' ELSE t.description END,
        category       = CASE WHEN patch ? 'category' THEN patch->>'category' ELSE t.category END,
        input_schema   = CASE WHEN patch ? 'input_schema' THEN NULLIF(patch->'input_schema', 'null'::jsonb) ELSE t.input_schema END,
        output_schema  = CASE WHEN patch ? 'output_schema' THEN NULLIF(patch->'output_schema', 'null'::jsonb) ELSE t.output_schema END,
        target_node_id = CASE WHEN patch ? 'target_node_id' THEN (patch->>'target_node_id')::uuid ELSE t.target_node_id END,
        status         = CASE WHEN patch ? 'status' THEN patch->>'status' ELSE t.status END,
        metadata       = CASE WHEN patch ? 'metadata' THEN NULLIF(patch->'metadata', 'null'::jsonb) ELSE t.metadata END
    WHERE t.tool_id = tool_update.tool_id AND (expected_revision IS NULL OR t.revision = expected_revision)
    RETURNING * INTO updated;
    IF NOT FOUND THEN
        PERFORM orchestrator.revision_mismatch('tool', (SELECT t.revision FROM orchestrator.tools t WHERE t.tool_id = tool_update.tool_id),
                                               expected_revision);
        PERFORM orchestrator.tool_not_found(tool_update.tool_id);
    END IF;
    IF patch ? 'tags' THEN
        -- tags: null clears the tag set, like tags: []
        IF EXISTS (SELECT FROM pg_catalog.jsonb_array_elements(coalesce(NULLIF(patch->'tags', 'null'::jsonb), '[]')) e
                   WHERE pg_catalog.jsonb_typeof(e) <> 'string') THEN
            RAISE EXCEPTION 'tags: must be an array of strings' USING ERRCODE = 'invalid_parameter_value', COLUMN = 'tags';
        END IF;
        PERFORM orchestrator.tool_set_tags(updated.tool_id,
            ARRAY(SELECT pg_catalog.jsonb_array_elements_text(coalesce(NULLIF(patch->'tags', 'null'::jsonb), '[]'))));
    END IF;
    RETURN orchestrator.tool_out((SELECT t FROM orchestrator.tools t WHERE t.tool_id = updated.tool_id));
EXCEPTION WHEN integrity_constraint_violation THEN
    GET STACKED DIAGNOSTICS e_state = RETURNED_SQLSTATE, e_schema = SCHEMA_NAME, e_table = TABLE_NAME,
        e_constraint = CONSTRAINT_NAME, e_column = COLUMN_NAME, e_message = MESSAGE_TEXT, e_detail = PG_EXCEPTION_DETAIL;
    PERFORM orchestrator.raise_constraint_error(e_state, e_schema, e_table, e_constraint,
        CASE WHEN e_constraint = 'tool_tags_tag_format' THEN 'tags' ELSE e_column END, e_message, e_detail);
END
$$;
COMMENT ON FUNCTION api.tool_update(uuid, jsonb, bigint) IS
'Partial update: only the fields present in patch change; a JSON null clears a nullable field; tags, when sent, replaces the tag set (null or [] clears it).
Fields: name, version, description, category, input_schema, output_schema, target_node_id, status, metadata, tags.
Example: SELECT * FROM api.tool_update(tool_id => ''0b6e3c52-3f0a-4d52-9c55-0d5e0c7c1a11'', patch => ''{"status": "DEPRECATED"}'');
With expected_revision (HTTP: If-Match) the update happens only if the tool is still at that revision.
Errors: P0002 no tool has this id; PT412 the tool is no longer at expected_revision; 22023 unknown field, wrong JSON type, or patch not an object; 22P02 target_node_id not a UUID; 23505 name and version taken; 23503 no such node; 23514 bad value; 23502 null for a required field.
Route: PUT /tools/{tool_id}';

DROP FUNCTION api.tool_delete(uuid);
CREATE FUNCTION api.tool_delete(tool_id uuid, expected_revision bigint DEFAULT NULL) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
BEGIN
    DELETE FROM orchestrator.tools t
    WHERE t.tool_id = tool_delete.tool_id AND (expected_revision IS NULL OR t.revision = expected_revision);
    IF NOT FOUND THEN
        PERFORM orchestrator.revision_mismatch('tool', (SELECT t.revision FROM orchestrator.tools t WHERE t.tool_id = tool_delete.tool_id),
                                               expected_revision);
        PERFORM orchestrator.tool_not_found(tool_delete.tool_id);
    END IF;
END
$$;
COMMENT ON FUNCTION api.tool_delete(uuid, bigint) IS
'Deletes a tool and its tags. Its artifacts stay, orphaned, with tool_id NULL.
Example: SELECT api.tool_delete(tool_id => ''0b6e3c52-3f0a-4d52-9c55-0d5e0c7c1a11'');
With expected_revision (HTTP: If-Match) only if the tool is still at that revision.
Errors: P0002 no tool has this id; PT412 the tool is no longer at expected_revision.
Route: DELETE /tools/{tool_id} -> 204';

GRANT EXECUTE ON FUNCTION api.tool_update(uuid, jsonb, bigint), api.tool_delete(uuid, bigint) TO aio_writer;

-- Tags are part of the tool: adding or removing one is a new revision of it.
CREATE OR REPLACE FUNCTION api.tool_tag_add(tool_id uuid, tag_name text) RETURNS api.tool
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
    tool_row orchestrator.tools;
    e_state text; e_schema text; e_table text; e_constraint text; e_column text; e_message text; e_detail text;
BEGIN
    SELECT * INTO tool_row FROM orchestrator.tools t WHERE t.tool_id = tool_tag_add.tool_id FOR KEY SHARE;
    IF NOT FOUND THEN
        PERFORM orchestrator.tool_not_found(tool_tag_add.tool_id);
    END IF;
    INSERT INTO orchestrator.tool_tags (tool_id, tag) VALUES (tool_row.tool_id, pg_catalog.lower(tag_name))
    ON CONFLICT DO NOTHING;
    IF FOUND THEN  -- a new tag is a change of the tool: a new revision
        UPDATE orchestrator.tools t SET updated_at = pg_catalog.now() WHERE t.tool_id = tool_row.tool_id
        RETURNING * INTO tool_row;
    END IF;
    RETURN orchestrator.tool_out(tool_row);
EXCEPTION WHEN integrity_constraint_violation THEN
    GET STACKED DIAGNOSTICS e_state = RETURNED_SQLSTATE, e_schema = SCHEMA_NAME, e_table = TABLE_NAME,
        e_constraint = CONSTRAINT_NAME, e_column = COLUMN_NAME, e_message = MESSAGE_TEXT, e_detail = PG_EXCEPTION_DETAIL;
    PERFORM orchestrator.raise_constraint_error(e_state, e_schema, e_table, e_constraint,
        CASE WHEN e_constraint = 'tool_tags_tag_format' THEN 'tag_name' ELSE e_column END, e_message, e_detail);
END
$$;
COMMENT ON FUNCTION api.tool_tag_add(uuid, text) IS
'Adds a tag (lower-cased) to a tool and returns the tool; adding a tag it already has is not an error.
Example: SELECT tags FROM api.tool_tag_add(tool_id => ''0b6e3c52-3f0a-4d52-9c55-0d5e0c7c1a11'', tag_name => ''nlp'');
Errors: P0002 no tool has this id; 23514 not a valid tag (1 to 64 of a-z 0-9 . _ : -, starting with a letter or digit).
Route: POST /tools/{tool_id}/tags/{tag_name}';

CREATE OR REPLACE FUNCTION api.tool_tag_remove(tool_id uuid, tag_name text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
BEGIN
    DELETE FROM orchestrator.tool_tags g WHERE g.tool_id = tool_tag_remove.tool_id AND g.tag = pg_catalog.lower(tag_name);
    IF NOT FOUND THEN
        PERFORM api.tool_get(tool_tag_remove.tool_id);  -- P0002 naming the tool when it is the tool that is missing
        RAISE EXCEPTION 'tag_name: tool % has no tag %', tool_tag_remove.tool_id, pg_catalog.quote_literal(tag_name)
            USING ERRCODE = 'no_data_found', COLUMN = 'tag_name';
    END IF;
    UPDATE orchestrator.tools t SET updated_at = pg_catalog.now() WHERE t.tool_id = tool_tag_remove.tool_id;
END
$$;
COMMENT ON FUNCTION api.tool_tag_remove(uuid, text) IS
'Removes a tag from a tool.
Example: SELECT api.tool_tag_remove(tool_id => ''0b6e3c52-3f0a-4d52-9c55-0d5e0c7c1a11'', tag_name => ''nlp'');
Errors: P0002 no tool has this id, or the tool has no such tag.
Route: DELETE /tools/{tool_id}/tags/{tag_name} -> 204';


COMMIT;
