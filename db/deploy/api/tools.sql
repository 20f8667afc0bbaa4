-- Deploy ai-orchestrator:api/tools (reworked after v1.1.0)
-- requires: api/tools@v1.1.0
-- Tool CRUD, versions, tags and tag search, the whole family: tools carry their revision (the ETag
-- over HTTP), update and delete may demand it (If-Match), a tag search reads one page of the tag
-- index, and a bad tag names the argument it came in. Every function is replaced, so deploying
-- this twice changes nothing.
BEGIN;
SET LOCAL ROLE aio_owner;

-- A tool's tags, sorted. A set-returning SQL function of one SELECT, so the planner inlines it as a
-- subquery where it is read in FROM: a list reads each row's tags without a function call.
CREATE OR REPLACE FUNCTION orchestrator.tool_tag_array(tool_id uuid) RETURNS TABLE (tags text[])
LANGUAGE sql STABLE PARALLEL SAFE ROWS 1 AS $$
    SELECT ARRAY(SELECT g.tag::text FROM orchestrator.tool_tags g WHERE g.tool_id = tool_tag_array.tool_id ORDER BY g.tag)
$$;
COMMENT ON FUNCTION orchestrator.tool_tag_array(uuid) IS 'A tool''s tags in order, as one row; inlined where it is read in FROM.';

-- PL/pgSQL, not SQL: a SQL function with a subquery is never inlined, and each transaction that
-- calls it plans its query again (twice the time of a whole tool_get); PL/pgSQL keeps the plan for
-- the session.
CREATE OR REPLACE FUNCTION orchestrator.tool_out(t orchestrator.tools) RETURNS api.tool
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
    RETURN ROW(t.tool_id, t.name, t.version, t.description, t.category, t.input_schema, t.output_schema,
               t.target_node_id, t.status, t.metadata, (SELECT g.tags FROM orchestrator.tool_tag_array(t.tool_id) g),
               t.created_at, t.updated_at, t.revision)::api.tool;
END
$$;
COMMENT ON FUNCTION orchestrator.tool_out(orchestrator.tools) IS 'A tools row as api.tool, tags included.';

CREATE OR REPLACE FUNCTION orchestrator.tool_not_found(tool_id uuid) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'tool_id: no tool has id %', tool_id USING ERRCODE = 'no_data_found', COLUMN = 'tool_id';
END
$$;
COMMENT ON FUNCTION orchestrator.tool_not_found(uuid) IS 'Raises P0002 for a tool_id that matches no tool.';

-- A tool's tags travel with it on every page: a bounded set keeps a page of tools small.
CREATE OR REPLACE FUNCTION orchestrator.check_tag_count(field text, tags bigint) RETURNS void
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    IF tags > 32 THEN
        RAISE EXCEPTION '%: a tool has at most 32 tags, got %', field, tags
            USING ERRCODE = 'invalid_parameter_value', COLUMN = field;
    END IF;
END
$$;
COMMENT ON FUNCTION orchestrator.check_tag_count(text, bigint) IS 'Raises 22023 naming field when a tool would have more than 32 tags.';

-- Replaces a tool's tags with the given set (lower-cased, duplicates merged).
CREATE OR REPLACE FUNCTION orchestrator.tool_set_tags(tool_id uuid, tags text[]) RETURNS void
LANGUAGE sql AS $$
    -- The array as sent is counted (duplicates too): the bound is then the document's maxItems.
    SELECT orchestrator.check_tag_count('tags', pg_catalog.cardinality(tags));
    DELETE FROM orchestrator.tool_tags g
    WHERE g.tool_id = tool_set_tags.tool_id AND g.tag <> ALL (ARRAY(SELECT pg_catalog.lower(x) FROM pg_catalog.unnest(tags) x));
    INSERT INTO orchestrator.tool_tags (tool_id, tag)
    SELECT DISTINCT tool_set_tags.tool_id, pg_catalog.lower(x) FROM pg_catalog.unnest(tags) x
    ON CONFLICT DO NOTHING;
$$;
COMMENT ON FUNCTION orchestrator.tool_set_tags(uuid, text[]) IS 'Makes a tool''s tags exactly the given set, lower-cased; 22023 naming tags when more than 32 are given.';

-- Every tool list: ordered by name, then semver precedence newest first, then id.
CREATE OR REPLACE FUNCTION orchestrator.tool_page(
    "limit" integer, cursor text,
    category text DEFAULT NULL, status text DEFAULT NULL, target_node_id uuid DEFAULT NULL,
    name_contains text DEFAULT NULL, name_exact text DEFAULT NULL,
    tag_exact text DEFAULT NULL, tag_prefix text DEFAULT NULL
) RETURNS SETOF api.tool_item
LANGUAGE plpgsql STABLE SET search_path = '' SET max_parallel_workers_per_gather = 0 AS $$
DECLARE
    after jsonb := orchestrator.cursor_decode(cursor, 3);
    name_like text := '%' || pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(
                          pg_catalog.lower(name_contains), '\', '\\'), '%', '\%'), '_', '\_') || '%';
    filters text[] := '{true}'::text[];
    -- The list order's columns: the tool's own, or the copies a tag row carries, so that a tag's
    -- tools are read in list order from tool_tags_list_idx and a page costs its own rows only.
    source text := 'orchestrator.tools t';
    list_order text[] := '{t.name,t.version_key,t.tool_id}'::text[];
BEGIN
    PERFORM orchestrator.check_limit("limit"), orchestrator.check_enum('status', status, orchestrator.tool_statuses());
    -- $n are the USING values below; EXECUTE plans once for these very values.
    IF category IS NOT NULL THEN filters := pg_catalog.array_append(filters, 't.category = $2'); END IF;
    IF status IS NOT NULL THEN filters := pg_catalog.array_append(filters, 't.status = $3'); END IF;
    IF target_node_id IS NOT NULL THEN filters := pg_catalog.array_append(filters, 't.target_node_id = $4'); END IF;
    IF name_contains IS NOT NULL THEN filters := pg_catalog.array_append(filters, 't.name LIKE $5'); END IF;
    IF name_exact IS NOT NULL THEN filters := pg_catalog.array_append(filters, 't.name = $6'); END IF;
    IF tag_exact IS NOT NULL THEN
        source := 'orchestrator.tool_tags k JOIN orchestrator.tools t ON t.tool_id = k.tool_id';
        list_order := '{k.tool_name,k.tool_version_key,k.tool_id}';
        filters := pg_catalog.array_append(filters, 'k.tag = $7');
    END IF;
    IF tag_prefix IS NOT NULL THEN
        filters := pg_catalog.array_append(filters, $f$EXISTS (SELECT FROM orchestrator.tool_tags g WHERE g.tool_id = t.tool_id
                                         AND g.tag >= $8 AND g.tag < $8 || '~')$f$);
    END IF;
    IF after IS NOT NULL THEN  -- keyset: after (name, version_key, tool_id) in list order
        filters := pg_catalog.array_append(filters, pg_catalog.format(
            $f$%1$s >= $9->>0 AND (%1$s > $9->>0 OR (%1$s = $9->>0 AND (
               %2$s < $9->>1 OR (%2$s = $9->>1 AND %3$s > ($9->>2)::uuid))))$f$,
            list_order[1], list_order[2], list_order[3]));
    END IF;
    RETURN QUERY EXECUTE
        'SELECT t.tool_id, t.name, t.version, t.description, t.category, t.input_schema, t.output_schema,
                t.target_node_id, t.status, t.metadata, tg.tags, t.created_at, t.updated_at,
                orchestrator.cursor_encode(pg_catalog.jsonb_build_array(p.name, p.version_key, p.tool_id)), t.revision
         FROM (SELECT ' || pg_catalog.format('%s AS name, %s AS version_key, %s AS tool_id', list_order[1], list_order[2], list_order[3]) || '
               FROM ' || source || '
               WHERE ' || pg_catalog.array_to_string(filters, ' AND ') || '
               ORDER BY ' || pg_catalog.format('%s, %s DESC, %s', list_order[1], list_order[2], list_order[3]) || ' LIMIT $1) p
         JOIN orchestrator.tools t ON t.tool_id = p.tool_id, LATERAL orchestrator.tool_tag_array(t.tool_id) tg
         ORDER BY p.name, p.version_key DESC, p.tool_id'
    USING "limit", category, status, target_node_id, name_like, name_exact, tag_exact, tag_prefix, after;
END
$$;
COMMENT ON FUNCTION orchestrator.tool_page(integer, text, text, text, uuid, text, text, text, text) IS
'One keyset page of tools in the order every tool list uses: name, semver precedence newest first, tool_id. Only the filters given enter the statement, so the planner sees each as it is; a tag''s tools are read in list order from the tag index.';

-- tool_create ---------------------------------------------------------------------------
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
    PERFORM orchestrator.raise_constraint_error(e_state, e_schema, e_table, e_constraint,
        CASE WHEN e_constraint = 'tool_tags_tag_format' THEN 'tags' ELSE e_column END, e_message, e_detail);
    RAISE;  -- reached only if the helper returned: the original error stands
END
$$;
COMMENT ON FUNCTION api.tool_create(text, text, text, text, jsonb, jsonb, uuid, text, jsonb, text[]) IS
'Registers one version of a tool and returns it with its tool_id and tags.
Example: SELECT * FROM api.tool_create(name => ''text-summarizer'', version => ''1.2.0'', category => ''NLP'', input_schema => ''{"type": "object", "properties": {"text": {"type": "string"}}}'', tags => ''{nlp,summarization}'');
Errors: 23505 this name already has this version; 23503 target_node_id names no node; 23514 bad name, version (not semver), category, status, schema (not an object, or not fit for a tool: the message names the JSON Pointer, api.json_schema_check lists every problem), metadata or tag; 23502 a required field is null.
Route: POST /tools/ -> 201';

-- tool_get, tool_get_by_name -----------------------------------------------------------
CREATE OR REPLACE FUNCTION api.tool_get(tool_id uuid) RETURNS api.tool
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
    tool_row orchestrator.tools;
BEGIN
    SELECT * INTO tool_row FROM orchestrator.tools t WHERE t.tool_id = tool_get.tool_id;
    IF NOT FOUND THEN
        PERFORM orchestrator.tool_not_found(tool_get.tool_id);
    END IF;
    RETURN orchestrator.tool_out(tool_row);
END
$$;
COMMENT ON FUNCTION api.tool_get(uuid) IS
'One tool by id, with its tags.
Example: SELECT * FROM api.tool_get(tool_id => ''0b6e3c52-3f0a-4d52-9c55-0d5e0c7c1a11'');
Errors: P0002 no tool has this id; 22P02 tool_id is not a UUID.
Route: GET /tools/{tool_id}';

CREATE OR REPLACE FUNCTION api.tool_get_by_name(tool_name text, version text DEFAULT NULL) RETURNS api.tool
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
    tool_row orchestrator.tools;
BEGIN
    SELECT * INTO tool_row FROM orchestrator.tools t
    WHERE t.name = tool_name AND (tool_get_by_name.version IS NULL OR t.version = tool_get_by_name.version)
    ORDER BY t.version_key DESC, t.tool_id
    LIMIT 1;
    IF NOT FOUND AND tool_get_by_name.version IS NULL THEN
        RAISE EXCEPTION 'tool_name: no tool is named %', pg_catalog.quote_literal(tool_name)
            USING ERRCODE = 'no_data_found', COLUMN = 'tool_name';
    ELSIF NOT FOUND THEN
        RAISE EXCEPTION 'version: tool % has no version %', pg_catalog.quote_literal(tool_name),
            pg_catalog.quote_literal(tool_get_by_name.version)
            USING ERRCODE = 'no_data_found', COLUMN = 'version',
                  HINT = 'GET /tools/name/{tool_name}/versions lists the versions there are.';
    END IF;
    RETURN orchestrator.tool_out(tool_row);
END
$$;
COMMENT ON FUNCTION api.tool_get_by_name(text, text) IS
'The latest version of a tool by semver precedence (1.10.0 > 1.9.0, 1.0.0 > 1.0.0-rc.1), or the given version.
Example: SELECT * FROM api.tool_get_by_name(tool_name => ''text-summarizer'');
         SELECT * FROM api.tool_get_by_name(tool_name => ''text-summarizer'', version => ''1.2.0'');
Errors: P0002 no tool has this name, or not this version.
Route: GET /tools/name/{tool_name}';

-- lists ----------------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION api.tool_list(
    category       text    DEFAULT NULL,
    status         text    DEFAULT NULL,
    target_node_id uuid    DEFAULT NULL,
    name           text    DEFAULT NULL,
    "limit"        integer DEFAULT 50,
    cursor         text    DEFAULT NULL
) RETURNS SETOF api.tool_item
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' AS $$
    SELECT * FROM orchestrator.tool_page("limit", cursor, category => category, status => status,
                                         target_node_id => target_node_id, name_contains => name)
$$;
COMMENT ON FUNCTION api.tool_list(text, text, uuid, text, integer, text) IS
'Tools by name, newest version first; filters: category, status, target_node_id, and name (a substring, case-insensitive; trigram index). Keyset pagination.
Example: SELECT * FROM api.tool_list(category => ''NLP'', name => ''summar'', "limit" => 20);
Errors: 22023 limit outside 1..1000, unknown status, or a bad cursor; 22P02 target_node_id is not a UUID.
Route: GET /tools/';

CREATE OR REPLACE FUNCTION api.tool_list_active("limit" integer DEFAULT 50, cursor text DEFAULT NULL)
RETURNS SETOF api.tool_item
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' AS $$
    SELECT * FROM orchestrator.tool_page("limit", cursor, status => 'ACTIVE')
$$;
COMMENT ON FUNCTION api.tool_list_active(integer, text) IS
'ACTIVE tools by name, newest version first; keyset pagination.
Example: SELECT * FROM api.tool_list_active("limit" => 100);
Errors: 22023 limit outside 1..1000 or a bad cursor.
Route: GET /tools/active/';

CREATE OR REPLACE FUNCTION api.tool_list_by_category(category text, "limit" integer DEFAULT 50, cursor text DEFAULT NULL)
RETURNS SETOF api.tool_item
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' AS $$
    SELECT * FROM orchestrator.tool_page("limit", cursor, category => category)
$$;
COMMENT ON FUNCTION api.tool_list_by_category(text, integer, text) IS
'Tools of one category by name, newest version first; keyset pagination.
Example: SELECT * FROM api.tool_list_by_category(category => ''ANALYSIS'');
Errors: 22023 limit outside 1..1000 or a bad cursor.
Route: GET /tools/category/{category}';

CREATE OR REPLACE FUNCTION api.tool_versions(tool_name text, "limit" integer DEFAULT 50, cursor text DEFAULT NULL)
RETURNS SETOF api.tool_item
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
BEGIN
    IF NOT EXISTS (SELECT FROM orchestrator.tools t WHERE t.name = tool_name) THEN
        RAISE EXCEPTION 'tool_name: no tool is named %', pg_catalog.quote_literal(tool_name)
            USING ERRCODE = 'no_data_found', COLUMN = 'tool_name';
    END IF;
    RETURN QUERY SELECT * FROM orchestrator.tool_page("limit", cursor, name_exact => tool_name);
END
$$;
COMMENT ON FUNCTION api.tool_versions(text, integer, text) IS
'Every version of a tool, newest first by semver precedence; keyset pagination.
Example: SELECT version, status FROM api.tool_versions(tool_name => ''text-summarizer'');
Errors: P0002 no tool has this name; 22023 limit outside 1..1000 or a bad cursor.
Route: GET /tools/name/{tool_name}/versions';

CREATE OR REPLACE FUNCTION api.tool_search_by_tag(tag_search text, "limit" integer DEFAULT 50, cursor text DEFAULT NULL)
RETURNS SETOF api.tool_item
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
    search text := pg_catalog.lower(tag_search);
BEGIN
    IF search IS NULL OR search !~ '^[a-z0-9][a-z0-9._:-]{0,63}\*?$' THEN
        RAISE EXCEPTION 'tag_search: % is neither a tag nor a tag prefix ending in *', pg_catalog.quote_literal(tag_search)
            USING ERRCODE = 'invalid_parameter_value', COLUMN = 'tag_search',
                  HINT = 'Tags are 1 to 64 characters of a-z 0-9 . _ : - ; search nlp for the tag, nlp* for every tag starting with nlp.';
    END IF;
    IF search LIKE '%*' THEN
        RETURN QUERY SELECT * FROM orchestrator.tool_page("limit", cursor, tag_prefix => pg_catalog.rtrim(search, '*'));
    ELSE
        RETURN QUERY SELECT * FROM orchestrator.tool_page("limit", cursor, tag_exact => search);
    END IF;
END
$$;
COMMENT ON FUNCTION api.tool_search_by_tag(text, integer, text) IS
'Tools carrying a tag: the exact tag (case-insensitive), or every tag with a prefix when the search ends in *.
Example: SELECT name, version, tags FROM api.tool_search_by_tag(tag_search => ''nlp*'');
Errors: 22023 not a tag or tag prefix, limit outside 1..1000, or a bad cursor.
Route: GET /tools/tags/{tag_search}';

-- tool_update, tool_delete -------------------------------------------------------------
-- expected_revision is a new argument: the released signatures go.
DROP FUNCTION IF EXISTS api.tool_update(uuid, jsonb);
CREATE OR REPLACE FUNCTION api.tool_update(tool_id uuid, patch jsonb, expected_revision bigint DEFAULT NULL) RETURNS api.tool
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
    RAISE;  -- reached only if the helper returned: the original error stands
END
$$;
COMMENT ON FUNCTION api.tool_update(uuid, jsonb, bigint) IS
'Partial update: only the fields present in patch change; a JSON null clears a nullable field; tags, when sent, replaces the tag set (null or [] clears it).
Fields: name, version, description, category, input_schema, output_schema, target_node_id, status, metadata, tags.
Example: SELECT * FROM api.tool_update(tool_id => ''0b6e3c52-3f0a-4d52-9c55-0d5e0c7c1a11'', patch => ''{"status": "DEPRECATED"}'');
With expected_revision (HTTP: If-Match) the update happens only if the tool is still at that revision.
Errors: P0002 no tool has this id; PT412 the tool is no longer at expected_revision; 22023 unknown field, wrong JSON type, or patch not an object; 22P02 target_node_id not a UUID; 23505 name and version taken; 23503 no such node; 23514 bad value (a schema not fit for a tool: at its JSON Pointer, as api.json_schema_check finds it); 23502 null for a required field.
Route: PUT /tools/{tool_id}';

DROP FUNCTION IF EXISTS api.tool_delete(uuid);
CREATE OR REPLACE FUNCTION api.tool_delete(tool_id uuid, expected_revision bigint DEFAULT NULL) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
BEGIN
    -- No route deletes or detaches data its caller did not name: a tool with artifacts stays
    -- until they are deleted. The row lock waits for artifacts being recorded for it, then counts them.
    PERFORM FROM orchestrator.tools t WHERE t.tool_id = tool_delete.tool_id FOR UPDATE;
    IF EXISTS (SELECT FROM orchestrator.artifacts a WHERE a.tool_id = tool_delete.tool_id) THEN
        RAISE EXCEPTION 'tool_id: tool % has artifacts; delete them first', tool_delete.tool_id
            USING ERRCODE = 'foreign_key_violation', COLUMN = 'tool_id',
                  HINT = 'GET /artifacts/tool/{tool_id} lists them; DELETE /artifacts/{artifact_id} deletes one.';
    END IF;
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
'Deletes a tool and its tags; a tool that has artifacts is refused until they are deleted.
Example: SELECT api.tool_delete(tool_id => ''0b6e3c52-3f0a-4d52-9c55-0d5e0c7c1a11'');
With expected_revision (HTTP: If-Match) only if the tool is still at that revision.
Errors: P0002 no tool has this id; PT412 the tool is no longer at expected_revision; 23503 the tool has artifacts.
Route: DELETE /tools/{tool_id} -> 204';

GRANT EXECUTE ON FUNCTION api.tool_update(uuid, jsonb, bigint), api.tool_delete(uuid, bigint) TO aio_writer;

-- tags -----------------------------------------------------------------------------------
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
        -- Counted after the row lock of that update: concurrent adds are counted one after the other.
        PERFORM orchestrator.check_tag_count('tag_name',
            (SELECT pg_catalog.count(*) FROM orchestrator.tool_tags g WHERE g.tool_id = tool_row.tool_id));
    END IF;
    RETURN orchestrator.tool_out(tool_row);
EXCEPTION WHEN integrity_constraint_violation THEN
    GET STACKED DIAGNOSTICS e_state = RETURNED_SQLSTATE, e_schema = SCHEMA_NAME, e_table = TABLE_NAME,
        e_constraint = CONSTRAINT_NAME, e_column = COLUMN_NAME, e_message = MESSAGE_TEXT, e_detail = PG_EXCEPTION_DETAIL;
    PERFORM orchestrator.raise_constraint_error(e_state, e_schema, e_table, e_constraint,
        CASE WHEN e_constraint = 'tool_tags_tag_format' THEN 'tag_name' ELSE e_column END, e_message, e_detail);
    RAISE;  -- reached only if the helper returned: the original error stands
END
$$;
COMMENT ON FUNCTION api.tool_tag_add(uuid, text) IS
'Adds a tag (lower-cased) to a tool and returns the tool; adding a tag it already has is not an error.
Example: SELECT tags FROM api.tool_tag_add(tool_id => ''0b6e3c52-3f0a-4d52-9c55-0d5e0c7c1a11'', tag_name => ''nlp'');
Errors: P0002 no tool has this id; 23514 not a valid tag (1 to 64 of a-z 0-9 . _ : -, starting with a letter or digit); 22023 the tool has 32 tags already.
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
