-- Deploy ai-orchestrator:api/queries (reworked after v1.1.0)
-- requires: api/queries@v1.1.0 api/tools
-- The questions operators ask every day: /queries routes. Every function is replaced, so deploying
-- this twice changes nothing; the row types are the released ones.
BEGIN;
SET LOCAL ROLE aio_owner;

-- The nested node of a tool, with its health; NULL when the tool has no node.
CREATE OR REPLACE FUNCTION orchestrator.node_summary(node_id uuid, stale_after interval, down_after interval) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT pg_catalog.jsonb_build_object(
               'node_id', n.node_id, 'name', n.name, 'node_type', n.node_type, 'address', n.address,
               'status', n.status, 'health', orchestrator.node_health(n.status, h.last_heartbeat_at, stale_after, down_after),
               'last_heartbeat_at', h.last_heartbeat_at)
    FROM orchestrator.nodes n
    LEFT JOIN orchestrator.node_heartbeats h ON h.node_id = n.node_id
    WHERE n.node_id = node_summary.node_id
$$;
COMMENT ON FUNCTION orchestrator.node_summary(uuid, interval, interval) IS
'A node as a small JSON object with its derived health, for nesting in tool results.';

-- active_tools_with_nodes -------------------------------------------------------------------
CREATE OR REPLACE FUNCTION api.queries_active_tools_with_nodes(
    stale_after_seconds integer DEFAULT 30,
    down_after_seconds  integer DEFAULT 120,
    "limit"             integer DEFAULT 50,
    cursor              text    DEFAULT NULL
) RETURNS SETOF api.active_tool
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' AS $$
    SELECT p.tool_id, p.name, p.version, p.category, p.description, p.tags,
           orchestrator.node_summary(p.target_node_id, th.stale_after, th.down_after), p.cursor
    FROM orchestrator.health_thresholds(stale_after_seconds, down_after_seconds) th,
         LATERAL orchestrator.tool_page("limit", cursor, status => 'ACTIVE') p
$$;
COMMENT ON FUNCTION api.queries_active_tools_with_nodes(integer, integer, integer, text) IS
'ACTIVE tools (by name, newest version first) with their target node nested and the node''s health; node is NULL when the tool has none. Keyset pagination.
Example: SELECT name, version, node->>''health'' AS health FROM api.queries_active_tools_with_nodes(stale_after_seconds => 60);
Errors: 22023 a threshold out of order, limit outside 1..1000, or a bad cursor.
Route: GET /queries/active-tools-with-nodes';

-- tools_by_category_with_tags -----------------------------------------------------------------
CREATE OR REPLACE FUNCTION api.queries_tools_by_category_with_tags(
    category           text    DEFAULT NULL,
    tools_per_category integer DEFAULT 100,
    "limit"            integer DEFAULT 50,
    cursor             text    DEFAULT NULL
) RETURNS SETOF api.category_tools
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
    after jsonb := orchestrator.cursor_decode(cursor, 1);
BEGIN
    PERFORM orchestrator.check_limit("limit");
    IF tools_per_category IS NULL OR tools_per_category NOT BETWEEN 1 AND 1000 THEN
        RAISE EXCEPTION 'tools_per_category: must be between 1 and 1000, got %', coalesce(tools_per_category::text, 'null')
            USING ERRCODE = 'invalid_parameter_value', COLUMN = 'tools_per_category';
    END IF;
    RETURN QUERY
    -- Distinct categories by skipping through the category index (a loose index scan).
    WITH RECURSIVE categories(category) AS (
        (SELECT t.category FROM orchestrator.tools t
         WHERE t.category > coalesce(after->>0, '') AND (queries_tools_by_category_with_tags.category IS NULL
               OR t.category = queries_tools_by_category_with_tags.category)
         ORDER BY t.category LIMIT 1)
        UNION ALL
        SELECT (SELECT t.category FROM orchestrator.tools t WHERE t.category > c.category
                AND queries_tools_by_category_with_tags.category IS NULL ORDER BY t.category LIMIT 1)
        FROM categories c WHERE c.category IS NOT NULL
    )
    SELECT c.category,
           (SELECT pg_catalog.count(*) FROM orchestrator.tools t WHERE t.category = c.category),
           (SELECT coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                       'tool_id', t.tool_id, 'name', t.name, 'version', t.version, 'status', t.status,
                       'tags', ARRAY(SELECT g.tag::text FROM orchestrator.tool_tags g WHERE g.tool_id = t.tool_id ORDER BY g.tag))
                   ORDER BY t.name, t.version_key DESC, t.tool_id), '[]')
            FROM (SELECT * FROM orchestrator.tools t WHERE t.category = c.category
                  ORDER BY t.name, t.version_key DESC, t.tool_id LIMIT tools_per_category) t),
           orchestrator.cursor_encode(pg_catalog.jsonb_build_array(c.category))
    FROM categories c
    WHERE c.category IS NOT NULL
    LIMIT "limit";
END
$$;
COMMENT ON FUNCTION api.queries_tools_by_category_with_tags(text, integer, integer, text) IS
'Per category (alphabetical): its tool count and its first tools_per_category tools (by name, newest version first) with their tag arrays; optional category filter. Keyset pagination over categories.
Example: SELECT category, tool_count, jsonb_array_length(tools) FROM api.queries_tools_by_category_with_tags(category => ''NLP'');
Errors: 22023 tools_per_category or limit outside 1..1000, or a bad cursor.
Route: GET /queries/tools-by-category-with-tags';

-- node_health_status ------------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION api.queries_node_health_status(
    stale_after_seconds integer DEFAULT 30,
    down_after_seconds  integer DEFAULT 120,
    health              text    DEFAULT NULL,
    "limit"             integer DEFAULT 50,
    cursor              text    DEFAULT NULL
) RETURNS SETOF api.node_health
LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = '' SET plan_cache_mode = force_custom_plan AS $$
DECLARE
    after jsonb := orchestrator.cursor_decode(cursor, 2);
    th record := orchestrator.health_thresholds(stale_after_seconds, down_after_seconds);
BEGIN
    PERFORM orchestrator.check_limit("limit"),
            orchestrator.check_enum('health', health, '{HEALTHY,STALE,DOWN,MAINTENANCE,INACTIVE,UNKNOWN}');
    RETURN QUERY
    SELECT s.node_id, s.name, s.node_type, s.status, s.health, s.last_heartbeat_at, s.seconds, s.tool_count, s.cursor
    FROM (
        SELECT n.node_id, n.name, n.node_type, n.status,
               orchestrator.node_health(n.status, h.last_heartbeat_at, th.stale_after, th.down_after) AS health,
               h.last_heartbeat_at,
               pg_catalog.round(EXTRACT(epoch FROM pg_catalog.now() - h.last_heartbeat_at), 3),
               (SELECT pg_catalog.count(*) FROM orchestrator.tools t WHERE t.target_node_id = n.node_id),
               orchestrator.cursor_encode(pg_catalog.jsonb_build_array(n.created_at, n.node_id)),
               n.created_at AS sort_created
        FROM orchestrator.nodes n
        LEFT JOIN orchestrator.node_heartbeats h ON h.node_id = n.node_id
        WHERE after IS NULL OR (n.created_at, n.node_id) > ((after->>0)::timestamptz, (after->>1)::uuid)
    ) s(node_id, name, node_type, status, health, last_heartbeat_at, seconds, tool_count, cursor, sort_created)
    WHERE queries_node_health_status.health IS NULL OR s.health = queries_node_health_status.health
    ORDER BY s.sort_created, s.node_id
    LIMIT "limit";
END
$$;
COMMENT ON FUNCTION api.queries_node_health_status(integer, integer, text, integer, text) IS
'Per node (oldest first): status, derived health (HEALTHY, STALE, DOWN, MAINTENANCE, INACTIVE, UNKNOWN), last heartbeat, seconds since it, and the number of tools targeting it; optional health filter. Keyset pagination.
Example: SELECT name, health, seconds_since_heartbeat FROM api.queries_node_health_status(health => ''STALE'');
Errors: 22023 unknown health, thresholds out of order, limit outside 1..1000, or a bad cursor.
Route: GET /queries/node-health-status';

-- large_artifacts_by_tool -----------------------------------------------------------------------
CREATE OR REPLACE FUNCTION api.queries_large_artifacts_by_tool(
    min_size bigint  DEFAULT 104857600,
    "limit"  integer DEFAULT 50,
    cursor   text    DEFAULT NULL
) RETURNS SETOF api.tool_large_artifacts
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
    WITH per_tool AS (
        SELECT a.tool_id, pg_catalog.count(*) AS artifact_count, pg_catalog.sum(a.size_bytes) AS total_bytes,
               (pg_catalog.array_agg(a.artifact_id ORDER BY a.size_bytes DESC, a.artifact_id))[1] AS largest_id
        FROM orchestrator.artifacts a
        WHERE a.size_bytes >= min_size AND a.tool_id IS NOT NULL
        GROUP BY a.tool_id
    )
    , page AS (
        SELECT * FROM per_tool p
        WHERE after IS NULL OR (p.total_bytes, p.tool_id) < ((after->>0)::numeric, (after->>1)::uuid)
        ORDER BY p.total_bytes DESC, p.tool_id DESC
        LIMIT "limit"
    )
    -- Look tools and largest artifacts up only for the page, by primary key.
    SELECT p.tool_id, t.name, t.version, t.category, p.artifact_count, p.total_bytes,
           l.artifact_id, l.name, l.size_bytes,
           orchestrator.cursor_encode(pg_catalog.jsonb_build_array(p.total_bytes, p.tool_id))
    FROM page p
    CROSS JOIN LATERAL (SELECT * FROM orchestrator.tools t WHERE t.tool_id = p.tool_id) t
    CROSS JOIN LATERAL (SELECT * FROM orchestrator.artifacts l WHERE l.artifact_id = p.largest_id) l
    ORDER BY p.total_bytes DESC, p.tool_id DESC;
END
$$;
COMMENT ON FUNCTION api.queries_large_artifacts_by_tool(bigint, integer, text) IS
'Per tool, largest total first: the count and total bytes of its artifacts of at least min_size bytes (default 100 MiB) and its largest one. Served by the artifact size index. Keyset pagination.
Example: SELECT tool_name, artifact_count, pg_size_pretty(total_bytes) FROM api.queries_large_artifacts_by_tool(min_size => 1073741824);
Errors: 22023 min_size negative, limit outside 1..1000, or a bad cursor.
Route: GET /queries/large-artifacts-by-tool';

-- search_tools_by_schema --------------------------------------------------------------------------
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
    SELECT t.tool_id, t.name, t.version, t.description, t.category, t.input_schema, t.output_schema, t.target_node_id, t.status, t.metadata, tg.tags, t.created_at, t.updated_at,
           orchestrator.cursor_encode(pg_catalog.jsonb_build_array(p.name, p.version_key, p.tool_id)), t.revision
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
    -- Each row's tags through the inlined tool_tag_array, as the tool lists read them: a call of
    -- tool_out per row is a function call of its own for each of up to 1000 rows.
    JOIN orchestrator.tools t ON t.tool_id = p.tool_id, LATERAL orchestrator.tool_tag_array(t.tool_id) tg
    ORDER BY p.name, p.version_key DESC, p.tool_id;
END
$$;
COMMENT ON FUNCTION api.queries_search_tools_by_schema(jsonb, text, text, integer, text) IS
'Tools whose input and/or output JSON Schema contains a JSON fragment (@>, GIN jsonb_path_ops index) or declares a top-level property name (GIN index on the stored property names). side: input, output or any (default).
Example: SELECT name, version FROM api.queries_search_tools_by_schema(contains => ''{"properties": {"text": {"type": "string"}}}'', side => ''input'');
         SELECT name, version FROM api.queries_search_tools_by_schema(property => ''image_url'');
Errors: 22023 neither contains nor property given, contains not an object, unknown side, limit outside 1..1000, or a bad cursor.
Route: GET /queries/search-tools-by-schema';

GRANT EXECUTE ON FUNCTION
    api.queries_active_tools_with_nodes(integer, integer, integer, text),
    api.queries_tools_by_category_with_tags(text, integer, integer, text),
    api.queries_node_health_status(integer, integer, text, integer, text),
    api.queries_large_artifacts_by_tool(bigint, integer, text),
    api.queries_search_tools_by_schema(jsonb, text, text, integer, text)
TO aio_reader;

COMMIT;
