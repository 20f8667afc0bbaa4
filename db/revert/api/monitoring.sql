-- Revert ai-orchestrator:api/monitoring to v1.1.0: the function the rework changed, as released.
BEGIN;
SET LOCAL ROLE aio_owner;

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
    -- Rows written since data/tools_schema_check passed its check: only older ones can fail, and
    -- they are the oldest tools (read from tools_created_idx). Checking a schema costs milliseconds
    -- (the meta-schema), so: the distinct schemas of the 1000 oldest tools, at most 50 of them.
    RETURN NEXT (
        WITH examined AS MATERIALIZED (
            SELECT x.schema
            FROM (SELECT t.input_schema, t.output_schema, t.created_at FROM orchestrator.tools t ORDER BY t.created_at LIMIT 1000) t,
                 LATERAL (VALUES (t.input_schema), (t.output_schema)) x(schema)
            WHERE x.schema <> '{}'
            GROUP BY x.schema ORDER BY pg_catalog.min(t.created_at) LIMIT 50
        ), unfit AS MATERIALIZED (
            SELECT e.schema FROM examined e WHERE EXISTS (SELECT FROM orchestrator.json_schema_problems(e.schema))
        ), hit AS MATERIALIZED (
            SELECT t.tool_id, t.name FROM orchestrator.tools t
            WHERE EXISTS (SELECT FROM unfit) AND (t.input_schema IN (SELECT u.schema FROM unfit u) OR t.output_schema IN (SELECT u.schema FROM unfit u))
        )
        SELECT orchestrator.integrity_check_counted('tools_with_invalid_schemas', 'fail', (SELECT pg_catalog.count(*) FROM hit),
            ARRAY(SELECT h.tool_id::text FROM hit h ORDER BY h.name, h.tool_id LIMIT 5),
            'tools whose input or output schema the registration check refuses (stored before it existed); api.json_schema_check says why (examined: the distinct schemas of the 1000 oldest tools, at most 50)'));
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

COMMIT;
