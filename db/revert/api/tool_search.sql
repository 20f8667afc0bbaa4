-- Revert ai-orchestrator:api/tool_search
-- Back to the definitions of api/tools: tag filters inside OR, schema_properties() on its indexes.
BEGIN;
SET LOCAL ROLE aio_owner;


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

ALTER TABLE orchestrator.tools DROP COLUMN input_properties, DROP COLUMN output_properties;  -- and their indexes
CREATE INDEX tools_input_properties_idx ON orchestrator.tools USING gin (orchestrator.schema_properties(input_schema));
CREATE INDEX tools_output_properties_idx ON orchestrator.tools USING gin (orchestrator.schema_properties(output_schema));
ALTER TABLE orchestrator.tool_tags ALTER COLUMN tag SET STATISTICS -1;

COMMIT;
