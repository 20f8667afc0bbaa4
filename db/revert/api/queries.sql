-- Revert ai-orchestrator:api/queries to v1.1.0: the function the rework changed, as released.
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

COMMIT;
