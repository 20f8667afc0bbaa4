-- Deploy ai-orchestrator:api/monitoring (reworked after v1.1.0)
-- requires: api/monitoring@v1.1.0 data/tools_schemas_unfit
-- What eats storage, who produces what, and is the data sound: /monitoring routes. Every function
-- is replaced, so deploying this twice changes nothing; the row types are the released ones.
BEGIN;
SET LOCAL ROLE aio_owner;

-- storage_usage_by_category --------------------------------------------------------------------
CREATE OR REPLACE FUNCTION api.monitoring_storage_usage_by_category() RETURNS SETOF api.category_storage
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' AS $$
    SELECT p.category, p.artifact_count, p.total_bytes, pg_catalog.round(p.total_bytes / p.artifact_count, 1),
           p.largest_bytes,
           pg_catalog.round(p.total_bytes / NULLIF(pg_catalog.sum(p.total_bytes) OVER (), 0), 4)
    FROM orchestrator.artifact_tallies_now() p
    ORDER BY p.total_bytes DESC, p.category
$$;
COMMENT ON FUNCTION api.monitoring_storage_usage_by_category() IS
'Per tool category, and an "orphaned" bucket for artifacts whose tool is gone: artifact count, total, average and largest size in bytes, and the share of all bytes. Largest total first. Exact, from maintained tallies (orchestrator.artifact_tallies_now()), not a read of the artifacts.
Example: SELECT category, artifact_count, pg_size_pretty(total_bytes) FROM api.monitoring_storage_usage_by_category();
Errors: none.
Route: GET /monitoring/storage-usage-by-category';

-- tool_usage_statistics ------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION api.monitoring_tool_usage_statistics("limit" integer DEFAULT 50, cursor text DEFAULT NULL)
RETURNS SETOF api.tool_usage
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
    after jsonb := orchestrator.cursor_decode(cursor, 3);
    all_artifacts numeric;
BEGIN
    PERFORM orchestrator.check_limit("limit");
    -- The share's denominator: counted below 100,000 artifacts, the planner's estimate above
    -- (a count would read every artifact on each call).
    SELECT CASE WHEN c.reltuples >= 100000 THEN c.reltuples::numeric
                ELSE (SELECT pg_catalog.count(*) FROM orchestrator.artifacts) END
    INTO all_artifacts
    FROM pg_catalog.pg_class c WHERE c.oid = 'orchestrator.artifacts'::regclass;
    RETURN QUERY
    SELECT t.tool_id, t.name, t.version, t.category, u.artifact_count, coalesce(u.total_bytes, 0),
           u.first_at, u.last_at,
           pg_catalog.round(u.artifact_count / NULLIF(all_artifacts, 0), 6),
           orchestrator.cursor_encode(pg_catalog.jsonb_build_array(t.name, t.version_key, t.tool_id))
    FROM orchestrator.tools t,
         LATERAL (SELECT pg_catalog.count(*) AS artifact_count, pg_catalog.sum(a.size_bytes) AS total_bytes,
                         pg_catalog.min(a.created_at) AS first_at, pg_catalog.max(a.created_at) AS last_at
                  FROM orchestrator.artifacts a WHERE a.tool_id = t.tool_id) u
    WHERE (after IS NULL OR t.name >= after->>0)
      AND (after IS NULL OR t.name > after->>0 OR (t.name = after->>0 AND (
               t.version_key < after->>1 OR (t.version_key = after->>1 AND t.tool_id > (after->>2)::uuid))))
    ORDER BY t.name, t.version_key DESC, t.tool_id
    LIMIT "limit";
END
$$;
COMMENT ON FUNCTION api.monitoring_tool_usage_statistics(integer, text) IS
'Per tool (by name, newest version first): artifacts produced, their bytes, first and last artifact time, and the share of all artifacts (above 100,000 artifacts the total is the planner''s estimate). Each tool''s figures come from the artifacts (tool_id, created_at) index. Keyset pagination.
Example: SELECT name, version, artifact_count, last_artifact_at FROM api.monitoring_tool_usage_statistics("limit" => 20);
Errors: 22023 limit outside 1..1000 or a bad cursor.
Route: GET /monitoring/tool-usage-statistics';

-- data_integrity -------------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION orchestrator.integrity_check_counted(check_name text, severity text, problems bigint, samples text[], description text)
RETURNS api.integrity_check
LANGUAGE sql IMMUTABLE AS $$
    SELECT ROW(check_name, CASE WHEN problems = 0 THEN 'ok' ELSE severity END, problems, samples[1:5], description)::api.integrity_check
$$;
COMMENT ON FUNCTION orchestrator.integrity_check_counted(text, text, bigint, text[], text) IS
'Builds one integrity check result from a count of problems and up to 5 sample ids: ok when none, else the given severity (warn or fail).';
-- One builder of results: the check given all its ids is the counted one.
CREATE OR REPLACE FUNCTION orchestrator.integrity_check(check_name text, severity text, ids text[], description text)
RETURNS api.integrity_check
LANGUAGE sql IMMUTABLE AS $$
    SELECT orchestrator.integrity_check_counted(check_name, severity, pg_catalog.cardinality(ids), ids, description)
$$;
COMMENT ON FUNCTION orchestrator.integrity_check(text, text, text[], text) IS
'Builds one integrity check result from the ids it found: ok when none, else the given severity (warn or fail).';

CREATE OR REPLACE FUNCTION api.monitoring_data_integrity(stale_after_seconds integer DEFAULT 30, down_after_seconds integer DEFAULT 120)
RETURNS SETOF api.integrity_check
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
    th record := orchestrator.health_thresholds(stale_after_seconds, down_after_seconds);
    nodes record;
BEGIN
    -- One pass over the nodes for the three checks about them: never seen, silent past the stale
    -- threshold (ACTIVE and STALE or DOWN), and unavailable with ACTIVE tools (their counts are
    -- maintained in node_active_tools).
    SELECT pg_catalog.count(*) FILTER (WHERE x.never_seen) AS never_seen,
           (pg_catalog.array_agg(x.node_id::text ORDER BY x.created_at) FILTER (WHERE x.never_seen))[1:5] AS never_seen_ids,
           pg_catalog.count(*) FILTER (WHERE x.stale) AS stale,
           (pg_catalog.array_agg(x.node_id::text ORDER BY x.last_heartbeat_at) FILTER (WHERE x.stale))[1:5] AS stale_ids,
           coalesce(pg_catalog.sum(x.active_tools) FILTER (WHERE x.unavailable), 0)::bigint AS unavailable_tools,
           (pg_catalog.array_agg(x.node_id ORDER BY x.node_id) FILTER (WHERE x.unavailable AND x.active_tools > 0))[1:5] AS unavailable_ids
    INTO nodes
    FROM (SELECT n.node_id, n.created_at, h.last_heartbeat_at, c.active_tools,
                 n.status = 'ACTIVE' AND h.node_id IS NULL AS never_seen,
                 n.status = 'ACTIVE' AND pg_catalog.now() - h.last_heartbeat_at > th.stale_after AS stale,
                 n.status <> 'ACTIVE' OR orchestrator.node_health(n.status, h.last_heartbeat_at, th.stale_after, th.down_after) = 'DOWN' AS unavailable
          FROM orchestrator.nodes n
          LEFT JOIN orchestrator.node_heartbeats h ON h.node_id = n.node_id
          LEFT JOIN orchestrator.node_active_tools c ON c.node_id = n.node_id) x;

    -- Counted by the maintained tallies; the samples come from artifacts_tool_created_idx.
    RETURN NEXT orchestrator.integrity_check_counted('orphaned_artifacts', 'warn',
        coalesce((SELECT c.artifact_count FROM orchestrator.artifact_tallies_now() c WHERE c.category = 'orphaned'), 0),
        ARRAY(SELECT a.artifact_id::text FROM orchestrator.artifacts a WHERE a.tool_id IS NULL ORDER BY a.created_at LIMIT 5),
        'artifacts whose tool was deleted (the cleanup maintenance route removes them)');
    RETURN NEXT orchestrator.integrity_check_counted('active_tools_without_node', 'warn',
        (SELECT pg_catalog.count(*) FROM orchestrator.tools t WHERE t.status = 'ACTIVE' AND t.target_node_id IS NULL),
        ARRAY(SELECT t.tool_id::text FROM orchestrator.tools t WHERE t.status = 'ACTIVE' AND t.target_node_id IS NULL
              ORDER BY t.name LIMIT 5),
        'ACTIVE tools with no target node');
    RETURN NEXT orchestrator.integrity_check_counted('active_tools_on_unavailable_nodes', 'fail', nodes.unavailable_tools,
        ARRAY(SELECT s.tool_id::text
              FROM pg_catalog.unnest(nodes.unavailable_ids) WITH ORDINALITY u(node_id, k),
                   LATERAL (SELECT t.tool_id, t.name FROM orchestrator.tools t
                            WHERE t.target_node_id = u.node_id AND t.status = 'ACTIVE' ORDER BY t.name LIMIT 5) s
              ORDER BY u.k, s.name LIMIT 5),
        'ACTIVE tools whose target node is not ACTIVE or is DOWN');
    -- The maintained set of shared checksums, not a read of every checksum.
    RETURN NEXT (
        WITH d AS MATERIALIZED (SELECT x.checksum FROM orchestrator.duplicate_checksums_now() x(checksum))
        SELECT orchestrator.integrity_check_counted('duplicate_checksums', 'warn', (SELECT pg_catalog.count(*) FROM d),
            ARRAY(SELECT d.checksum FROM d ORDER BY d.checksum LIMIT 5),
            'checksums shared by more than one artifact record (the same content stored twice?); sample ids are checksums'));
    RETURN NEXT orchestrator.integrity_check_counted('nodes_never_seen', 'warn', nodes.never_seen, nodes.never_seen_ids,
        'ACTIVE nodes that never sent a heartbeat');
    RETURN NEXT orchestrator.integrity_check_counted('stale_nodes', 'warn', nodes.stale, nodes.stale_ids,
        'ACTIVE nodes silent longer than the stale threshold');
    -- Validated CHECK constraints guarantee it; the tools are read only if one is not valid.
    RETURN NEXT orchestrator.integrity_check('schemas_not_objects', 'fail',
        CASE WHEN (SELECT pg_catalog.count(*) FROM pg_catalog.pg_constraint c
                   WHERE c.conrelid = 'orchestrator.tools'::pg_catalog.regclass AND c.convalidated
                     AND c.conname IN ('tools_input_schema_object', 'tools_output_schema_object')) = 2
             THEN '{}'::text[]
             ELSE ARRAY(SELECT t.tool_id::text FROM orchestrator.tools t
                        WHERE pg_catalog.jsonb_typeof(t.input_schema) <> 'object'
                           OR pg_catalog.jsonb_typeof(t.output_schema) <> 'object') END,
        'tools whose input or output schema is not a JSON object');
    RETURN NEXT orchestrator.integrity_check_counted('schemas_without_type', 'warn',
        (SELECT pg_catalog.count(*) FROM orchestrator.tools t WHERE t.input_schema <> '{}' AND NOT t.input_schema ? 'type'),
        ARRAY(SELECT t.tool_id::text FROM orchestrator.tools t
              WHERE t.input_schema <> '{}' AND NOT t.input_schema ? 'type' ORDER BY t.name LIMIT 5),
        'tools whose non-empty input schema declares no "type"');
    -- Tools written since data/tools_schema_check pass it; the older ones it refuses were listed
    -- once by data/tools_schemas_unfit and are checked again here (a tool fixed since counts no more).
    RETURN NEXT (
        -- The check compiles both schemas (milliseconds a tool): it runs on the listed tools only.
        -- OFFSET 0 keeps the lookup a subquery of its own, so that the planner cannot move the check
        -- into a scan of every tool (49 s for 9,340 tools when the list, never analyzed, was empty).
        WITH hit AS MATERIALIZED (
            SELECT t.tool_id, t.name
            FROM orchestrator.tools_schemas_unfit u
            CROSS JOIN LATERAL (SELECT t.tool_id, t.name, t.input_schema, t.output_schema
                                FROM orchestrator.tools t WHERE t.tool_id = u.tool_id OFFSET 0) t
            WHERE NOT orchestrator.tool_schemas_fit(t.input_schema, t.output_schema)
        )
        SELECT orchestrator.integrity_check_counted('tools_with_invalid_schemas', 'fail', (SELECT pg_catalog.count(*) FROM hit),
            ARRAY(SELECT h.tool_id::text FROM hit h ORDER BY h.name, h.tool_id LIMIT 5),
            'tools stored before the registration check whose input or output schema it refuses; api.json_schema_check says why'));
    RETURN NEXT orchestrator.integrity_check('artifacts_on_unknown_node', 'warn',
        ARRAY(SELECT a.artifact_id::text FROM orchestrator.artifacts a
              WHERE a.node_id IS NULL AND a.tool_id IS NOT NULL ORDER BY a.created_at DESC LIMIT 1000),
        'artifacts that do not say which node produced them (at most 1000 counted)');
    RETURN NEXT orchestrator.integrity_check('artifacts_from_the_future', 'fail',
        ARRAY(SELECT a.artifact_id::text FROM orchestrator.artifacts a
              WHERE a.created_at > pg_catalog.now() + interval '5 minutes'),
        'artifacts created more than 5 minutes in the future (clock skew?)');
    RETURN NEXT orchestrator.integrity_check('heartbeats_from_the_future', 'fail',
        ARRAY(SELECT h.node_id::text FROM orchestrator.node_heartbeats h
              WHERE h.last_heartbeat_at > pg_catalog.now() + interval '5 minutes'),
        'nodes whose last heartbeat is more than 5 minutes in the future (clock skew?)');
    -- Summed from the maintained counts per name; samples from the first names.
    RETURN NEXT orchestrator.integrity_check_counted('deprecated_tools_still_targeted', 'warn',
        coalesce((SELECT pg_catalog.sum(d.tools) FROM orchestrator.deprecated_targeted d), 0)::bigint,
        ARRAY(SELECT v.tool_id::text
              FROM (SELECT d.name FROM orchestrator.deprecated_targeted d ORDER BY d.name LIMIT 5) d
              JOIN orchestrator.deprecated_targeted_tools v ON v.name = d.name
              ORDER BY v.name, v.version_key LIMIT 5),
        'DEPRECATED versions still bound to a node although a newer ACTIVE version exists');
    RETURN NEXT orchestrator.integrity_check('invalid_indexes', 'fail',
        ARRAY(SELECT i.indexrelid::regclass::text FROM pg_catalog.pg_index i
              JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
              WHERE c.relnamespace = 'orchestrator'::regnamespace AND NOT i.indisvalid),
        'indexes left invalid by a failed CREATE INDEX CONCURRENTLY');
END
$$;
COMMENT ON FUNCTION api.monitoring_data_integrity(integer, integer) IS
'A list of named data checks, each ok, warn or fail with a count and up to 5 sample ids: orphaned artifacts, ACTIVE tools without a node or on unavailable nodes, duplicate checksums, nodes never seen, stale nodes, schemas that are not objects or declare no type, schemas the registration check refuses, artifacts without a node, timestamps in the future, deprecated versions still targeted, invalid indexes.
Example: SELECT check_name, status, problems FROM api.monitoring_data_integrity() WHERE status <> ''ok'';
Errors: 22023 thresholds out of order.
Route: GET /monitoring/data-integrity';

GRANT EXECUTE ON FUNCTION
    api.monitoring_storage_usage_by_category(),
    api.monitoring_tool_usage_statistics(integer, text),
    api.monitoring_data_integrity(integer, integer)
TO aio_reader;

COMMIT;
