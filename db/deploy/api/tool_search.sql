-- Deploy ai-orchestrator:api/tool_search
-- requires: api/tools api/queries
-- Tool pages that stay fast whatever a filter matches.
--  * orchestrator.tool_page puts only the filters it is given into its statement (EXECUTE). A tag
--    filter written as "tag IS NULL OR EXISTS (...)" can never become a semi-join, so every tag
--    search read tools in list order and probed the tags of each: 200-500 ms for a rare tag on
--    100,000 tools. As a plain EXISTS the planner chooses, by the tag's statistics, between the
--    tag index (rare tag: its few tools, then a sort) and the list order (common tag).
--  * Both tool_page and the schema search take the page first and build the output rows
--    (tool_out: tags, JSON) for the page's rows only, not for every candidate before the sort.
--  * tool_tags.tag keeps statistics on up to 1,000 distinct tags, so rare tags are known as rare.
--  * No parallel workers for a page of 50: starting them cost more (10-40 ms here) than the page.
--  * "Declares property X" reads stored generated columns, tools.input_properties and
--    output_properties (orchestrator.schema_properties of each schema), indexed by GIN. The
--    expression indexes they replace made every row a call of that SQL function (about 20 us):
--    walking tools in list order to fill a page took 50 ms on 100,000 tools, and the planner
--    could not see the cost. A stored text[] costs about 1 us a row, whichever plan runs.
--    (Adding the columns rewrites tools once, at deploy.)
BEGIN;
SET LOCAL ROLE aio_owner;

ALTER TABLE orchestrator.tool_tags ALTER COLUMN tag SET STATISTICS 1000;
ANALYZE orchestrator.tool_tags;

DROP INDEX orchestrator.tools_input_properties_idx;
DROP INDEX orchestrator.tools_output_properties_idx;
ALTER TABLE orchestrator.tools
    ADD COLUMN input_properties text[] NOT NULL GENERATED ALWAYS AS (orchestrator.schema_properties(input_schema)) STORED,
    ADD COLUMN output_properties text[] NOT NULL GENERATED ALWAYS AS (orchestrator.schema_properties(output_schema)) STORED;
COMMENT ON COLUMN orchestrator.tools.input_properties IS 'The property names the input schema declares at its top level (generated).';
COMMENT ON COLUMN orchestrator.tools.output_properties IS 'The property names the output schema declares at its top level (generated).';
CREATE INDEX tools_input_properties_idx ON orchestrator.tools USING gin (input_properties);
CREATE INDEX tools_output_properties_idx ON orchestrator.tools USING gin (output_properties);
ANALYZE orchestrator.tools;

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
    filters text[] := '{true}';
BEGIN
    PERFORM orchestrator.check_limit("limit"), orchestrator.check_enum('status', status, orchestrator.tool_statuses());
    -- $n are the USING values below; EXECUTE plans once for these very values.
    IF category IS NOT NULL THEN filters := pg_catalog.array_append(filters, 't.category = $2'); END IF;
    IF status IS NOT NULL THEN filters := pg_catalog.array_append(filters, 't.status = $3'); END IF;
    IF target_node_id IS NOT NULL THEN filters := pg_catalog.array_append(filters, 't.target_node_id = $4'); END IF;
    IF name_contains IS NOT NULL THEN filters := pg_catalog.array_append(filters, 't.name LIKE $5'); END IF;
    IF name_exact IS NOT NULL THEN filters := pg_catalog.array_append(filters, 't.name = $6'); END IF;
    IF tag_exact IS NOT NULL THEN
        filters := pg_catalog.array_append(filters, 'EXISTS (SELECT FROM orchestrator.tool_tags g WHERE g.tool_id = t.tool_id AND g.tag = $7)');
    END IF;
    IF tag_prefix IS NOT NULL THEN
        filters := pg_catalog.array_append(filters, $f$EXISTS (SELECT FROM orchestrator.tool_tags g WHERE g.tool_id = t.tool_id
                                         AND g.tag >= $8 AND g.tag < $8 || '~')$f$);
    END IF;
    IF after IS NOT NULL THEN  -- keyset: after (name, version_key, tool_id) in list order
        filters := pg_catalog.array_append(filters, $f$t.name >= $9->>0 AND (t.name > $9->>0 OR (t.name = $9->>0 AND (
                      t.version_key < $9->>1 OR (t.version_key = $9->>1 AND t.tool_id > ($9->>2)::uuid))))$f$);
    END IF;
    RETURN QUERY EXECUTE
        'SELECT o.tool_id, o.name, o.version, o.description, o.category, o.input_schema, o.output_schema,
                o.target_node_id, o.status, o.metadata, o.tags, o.created_at, o.updated_at,
                orchestrator.cursor_encode(pg_catalog.jsonb_build_array(p.name, p.version_key, p.tool_id)), o.revision
         FROM (SELECT t.name, t.version_key, t.tool_id FROM orchestrator.tools t
               WHERE ' || pg_catalog.array_to_string(filters, ' AND ') || '
               ORDER BY t.name, t.version_key DESC, t.tool_id LIMIT $1) p
         JOIN orchestrator.tools t ON t.tool_id = p.tool_id, LATERAL orchestrator.tool_out(t) o
         ORDER BY p.name, p.version_key DESC, p.tool_id'
    USING "limit", category, status, target_node_id, name_like, name_exact, tag_exact, tag_prefix, after;
END
$$;
COMMENT ON FUNCTION orchestrator.tool_page(integer, text, text, text, uuid, text, text, text, text) IS
'One keyset page of tools in the order every tool list uses: name, semver precedence newest first, tool_id. Only the filters given enter the statement, so the planner sees each as it is.';

CREATE OR REPLACE FUNCTION api.queries_search_tools_by_schema(
    contains jsonb   DEFAULT NULL,
    property text    DEFAULT NULL,
    side     text    DEFAULT 'any',
    "limit"  integer DEFAULT 50,
    cursor   text    DEFAULT NULL
) RETURNS SETOF api.tool_item
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = '' SET plan_cache_mode = force_custom_plan SET max_parallel_workers_per_gather = 0 AS $$
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
           orchestrator.cursor_encode(pg_catalog.jsonb_build_array(p.name, p.version_key, p.tool_id)), o.revision
    FROM (SELECT t.name, t.version_key, t.tool_id FROM orchestrator.tools t
          WHERE (contains IS NULL OR (in_input AND t.input_schema @> contains) OR (in_output AND t.output_schema @> contains))
            AND (property IS NULL
                 OR (in_input AND t.input_properties @> ARRAY[property])
                 OR (in_output AND t.output_properties @> ARRAY[property]))
            AND (after IS NULL OR t.name >= after->>0)
            AND (after IS NULL OR t.name > after->>0 OR (t.name = after->>0 AND (
                     t.version_key < after->>1 OR (t.version_key = after->>1 AND t.tool_id > (after->>2)::uuid))))
          ORDER BY t.name, t.version_key DESC, t.tool_id
          LIMIT "limit") p
    JOIN orchestrator.tools t ON t.tool_id = p.tool_id, LATERAL orchestrator.tool_out(t) o
    ORDER BY p.name, p.version_key DESC, p.tool_id;
END
$$;
COMMENT ON FUNCTION api.queries_search_tools_by_schema(jsonb, text, text, integer, text) IS
'Tools whose input and/or output JSON Schema contains a JSON fragment (@>, GIN jsonb_path_ops index) or declares a top-level property name (GIN index on the stored property names). side: input, output or any (default).
Example: SELECT name, version FROM api.queries_search_tools_by_schema(contains => ''{"properties": {"text": {"type": "string"}}}'', side => ''input'');
         SELECT name, version FROM api.queries_search_tools_by_schema(property => ''image_url'');
Errors: 22023 neither contains nor property given, contains not an object, unknown side, limit outside 1..1000, or a bad cursor.
Route: GET /queries/search-tools-by-schema';

COMMIT;
