-- Revert ai-orchestrator:api/tools to v1.0.0: the functions the rework changed, as released.
BEGIN;
SET LOCAL ROLE aio_owner;
-- The released row builders match the types without revision, which api/tool_revision's revert
-- restores next: their bodies cannot be checked against the types until then.
SET LOCAL check_function_bodies = off;

DROP FUNCTION api.tool_update(uuid, jsonb, bigint);
CREATE FUNCTION api.tool_update(tool_id uuid, patch jsonb) RETURNS api.tool
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
    WHERE t.tool_id = tool_update.tool_id
    RETURNING * INTO updated;
    IF NOT FOUND THEN
        PERFORM orchestrator.tool_not_found(tool_update.tool_id);
    END IF;
    IF patch ? 'tags' THEN
        IF EXISTS (SELECT FROM pg_catalog.jsonb_array_elements(patch->'tags') e WHERE pg_catalog.jsonb_typeof(e) <> 'string') THEN
            RAISE EXCEPTION 'tags: must be an array of strings' USING ERRCODE = 'invalid_parameter_value', COLUMN = 'tags';
        END IF;
        PERFORM orchestrator.tool_set_tags(updated.tool_id,
            ARRAY(SELECT pg_catalog.jsonb_array_elements_text(coalesce(NULLIF(patch->'tags', 'null'::jsonb), '[]'))));
    END IF;
    RETURN orchestrator.tool_out(updated);
EXCEPTION WHEN integrity_constraint_violation THEN
    GET STACKED DIAGNOSTICS e_state = RETURNED_SQLSTATE, e_schema = SCHEMA_NAME, e_table = TABLE_NAME,
        e_constraint = CONSTRAINT_NAME, e_column = COLUMN_NAME, e_message = MESSAGE_TEXT, e_detail = PG_EXCEPTION_DETAIL;
    PERFORM orchestrator.raise_constraint_error(e_state, e_schema, e_table, e_constraint, e_column, e_message, e_detail);
END
$$;
COMMENT ON FUNCTION api.tool_update(uuid, jsonb) IS
'Partial update: only the fields present in patch change; a JSON null clears a nullable field; tags, when sent, replaces the tag set.
Fields: name, version, description, category, input_schema, output_schema, target_node_id, status, metadata, tags.
Example: SELECT * FROM api.tool_update(tool_id => ''0b6e3c52-3f0a-4d52-9c55-0d5e0c7c1a11'', patch => ''{"status": "DEPRECATED"}'');
Errors: P0002 no tool has this id; 22023 unknown field, wrong JSON type, or patch not an object; 22P02 target_node_id not a UUID; 23505 name and version taken; 23503 no such node; 23514 bad value; 23502 null for a required field.
Route: PUT /tools/{tool_id}';

DROP FUNCTION api.tool_delete(uuid, bigint);
CREATE FUNCTION api.tool_delete(tool_id uuid) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
BEGIN
    DELETE FROM orchestrator.tools t WHERE t.tool_id = tool_delete.tool_id;
    IF NOT FOUND THEN
        PERFORM orchestrator.tool_not_found(tool_delete.tool_id);
    END IF;
END
$$;
COMMENT ON FUNCTION api.tool_delete(uuid) IS
'Deletes a tool and its tags. Its artifacts stay, orphaned, with tool_id NULL.
Example: SELECT api.tool_delete(tool_id => ''0b6e3c52-3f0a-4d52-9c55-0d5e0c7c1a11'');
Errors: P0002 no tool has this id.
Route: DELETE /tools/{tool_id} -> 204';

GRANT EXECUTE ON FUNCTION api.tool_update(uuid, jsonb), api.tool_delete(uuid) TO aio_writer;

CREATE OR REPLACE FUNCTION orchestrator.tool_out(t orchestrator.tools) RETURNS api.tool
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT ROW(t.tool_id, t.name, t.version, t.description, t.category, t.input_schema, t.output_schema,
               t.target_node_id, t.status, t.metadata,
               ARRAY(SELECT g.tag::text FROM orchestrator.tool_tags g WHERE g.tool_id = t.tool_id ORDER BY g.tag),
               t.created_at, t.updated_at)::api.tool
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
    SELECT o.*, orchestrator.cursor_encode(pg_catalog.jsonb_build_array(t.name, t.version_key, t.tool_id))
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

CREATE OR REPLACE FUNCTION api.tool_create(
    name           text,
    version        text,
    category       text,
    description    text   DEFAULT NULL,
    input_schema   jsonb  DEFAULT '{}',
    output_schema  jsonb  DEFAULT '{}',
    target_node_id uuid   DEFAULT NULL,
    status         text   DEFAULT 'ACTIVE',
    metadata       jsonb  DEFAULT '{}',
    tags           text[] DEFAULT '{}'
) RETURNS api.tool
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
    created orchestrator.tools;
    e_state text; e_schema text; e_table text; e_constraint text; e_column text; e_message text; e_detail text;
BEGIN
    INSERT INTO orchestrator.tools (name, version, category, description, input_schema, output_schema,
                                    target_node_id, status, metadata)
    VALUES (name, version, category, description, input_schema, output_schema, target_node_id, status, metadata)
    RETURNING * INTO created;
    PERFORM orchestrator.tool_set_tags(created.tool_id, coalesce(tags, '{}'));
    RETURN orchestrator.tool_out(created);
EXCEPTION WHEN integrity_constraint_violation THEN
    GET STACKED DIAGNOSTICS e_state = RETURNED_SQLSTATE, e_schema = SCHEMA_NAME, e_table = TABLE_NAME,
        e_constraint = CONSTRAINT_NAME, e_column = COLUMN_NAME, e_message = MESSAGE_TEXT, e_detail = PG_EXCEPTION_DETAIL;
    PERFORM orchestrator.raise_constraint_error(e_state, e_schema, e_table, e_constraint, e_column, e_message, e_detail);
END
$$;
COMMENT ON FUNCTION api.tool_create(text, text, text, text, jsonb, jsonb, uuid, text, jsonb, text[]) IS
'Registers one version of a tool and returns it with its tool_id and tags.
Example: SELECT * FROM api.tool_create(name => ''text-summarizer'', version => ''1.2.0'', category => ''NLP'', input_schema => ''{"type": "object", "properties": {"text": {"type": "string"}}}'', tags => ''{nlp,summarization}'');
Errors: 23505 this name already has this version; 23503 target_node_id names no node; 23514 bad name, version (not semver), category, status, schema (not an object), metadata or tag; 23502 a required field is null.
Route: POST /tools/ -> 201';

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
    RETURN orchestrator.tool_out(tool_row);
EXCEPTION WHEN integrity_constraint_violation THEN
    GET STACKED DIAGNOSTICS e_state = RETURNED_SQLSTATE, e_schema = SCHEMA_NAME, e_table = TABLE_NAME,
        e_constraint = CONSTRAINT_NAME, e_column = COLUMN_NAME, e_message = MESSAGE_TEXT, e_detail = PG_EXCEPTION_DETAIL;
    PERFORM orchestrator.raise_constraint_error(e_state, e_schema, e_table, e_constraint, e_column, e_message, e_detail);
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
END
$$;
COMMENT ON FUNCTION api.tool_tag_remove(uuid, text) IS
'Removes a tag from a tool.
Example: SELECT api.tool_tag_remove(tool_id => ''0b6e3c52-3f0a-4d52-9c55-0d5e0c7c1a11'', tag_name => ''nlp'');
Errors: P0002 no tool has this id, or the tool has no such tag.
Route: DELETE /tools/{tool_id}/tags/{tag_name} -> 204';

CREATE OR REPLACE FUNCTION orchestrator.tool_set_tags(tool_id uuid, tags text[]) RETURNS void
LANGUAGE sql AS $$
    DELETE FROM orchestrator.tool_tags g
    WHERE g.tool_id = tool_set_tags.tool_id AND g.tag <> ALL (ARRAY(SELECT pg_catalog.lower(x) FROM pg_catalog.unnest(tags) x));
    INSERT INTO orchestrator.tool_tags (tool_id, tag)
    SELECT DISTINCT tool_set_tags.tool_id, pg_catalog.lower(x) FROM pg_catalog.unnest(tags) x
    ON CONFLICT DO NOTHING;
$$;
COMMENT ON FUNCTION orchestrator.tool_set_tags(uuid, text[]) IS 'Makes a tool''s tags exactly the given set, lower-cased.';
DROP FUNCTION orchestrator.check_tag_count(text, bigint);

COMMIT;
