-- Revert ai-orchestrator:data/artifact_tallies
-- Back to reading every artifact for storage by category and the data checks (api/integrity_bounded).
BEGIN;
SET LOCAL ROLE aio_owner;

CREATE OR REPLACE FUNCTION api.monitoring_storage_usage_by_category() RETURNS SETOF api.category_storage
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' AS $$
    WITH per_category AS (
        SELECT coalesce(t.category, 'orphaned') AS category, pg_catalog.count(*) AS artifact_count,
               pg_catalog.sum(a.size_bytes) AS total_bytes, pg_catalog.max(a.size_bytes) AS largest_bytes
        FROM orchestrator.artifacts a
        LEFT JOIN orchestrator.tools t ON t.tool_id = a.tool_id
        GROUP BY 1
    )
    SELECT p.category, p.artifact_count, p.total_bytes, pg_catalog.round(p.total_bytes / p.artifact_count, 1),
           p.largest_bytes,
           pg_catalog.round(p.total_bytes / NULLIF(pg_catalog.sum(p.total_bytes) OVER (), 0), 4)
    FROM per_category p
    ORDER BY p.total_bytes DESC, p.category
$$;
COMMENT ON FUNCTION api.monitoring_storage_usage_by_category() IS
'Per tool category, and an "orphaned" bucket for artifacts whose tool is gone: artifact count, total, average and largest size in bytes, and the share of all bytes. Largest total first.
Example: SELECT category, artifact_count, pg_size_pretty(total_bytes) FROM api.monitoring_storage_usage_by_category();
Errors: none.
Route: GET /monitoring/storage-usage-by-category';

CREATE OR REPLACE FUNCTION api.monitoring_data_integrity(stale_after_seconds integer DEFAULT 30, down_after_seconds integer DEFAULT 120)
RETURNS SETOF api.integrity_check
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
    th record := orchestrator.health_thresholds(stale_after_seconds, down_after_seconds);
BEGIN
    RETURN NEXT orchestrator.integrity_check_counted('orphaned_artifacts', 'warn',
        (SELECT pg_catalog.count(*) FROM orchestrator.artifacts a WHERE a.tool_id IS NULL),
        ARRAY(SELECT a.artifact_id::text FROM orchestrator.artifacts a WHERE a.tool_id IS NULL ORDER BY a.created_at LIMIT 5),
        'artifacts whose tool was deleted (the cleanup maintenance route removes them)');
    RETURN NEXT orchestrator.integrity_check_counted('active_tools_without_node', 'warn',
        (SELECT pg_catalog.count(*) FROM orchestrator.tools t WHERE t.status = 'ACTIVE' AND t.target_node_id IS NULL),
        ARRAY(SELECT t.tool_id::text FROM orchestrator.tools t WHERE t.status = 'ACTIVE' AND t.target_node_id IS NULL
              ORDER BY t.name LIMIT 5),
        'ACTIVE tools with no target node');
    -- From the unavailable nodes to their tools (target node index), not from every tool.
    RETURN NEXT (
        WITH unavailable AS MATERIALIZED (
            SELECT n.node_id FROM orchestrator.nodes n LEFT JOIN orchestrator.node_heartbeats h ON h.node_id = n.node_id
            WHERE n.status <> 'ACTIVE' OR orchestrator.node_health(n.status, h.last_heartbeat_at, th.stale_after, th.down_after) = 'DOWN'
        ), hit AS MATERIALIZED (
            SELECT t.tool_id, t.name FROM unavailable u JOIN orchestrator.tools t ON t.target_node_id = u.node_id
            WHERE t.status = 'ACTIVE'
        )
        SELECT orchestrator.integrity_check_counted('active_tools_on_unavailable_nodes', 'fail',
            (SELECT pg_catalog.count(*) FROM hit), ARRAY(SELECT hit.tool_id::text FROM hit ORDER BY hit.name, hit.tool_id LIMIT 5),
            'ACTIVE tools whose target node is not ACTIVE or is DOWN'));
    -- Neighbours in checksum order: one ordered read of the checksum index, no hash of them all.
    RETURN NEXT orchestrator.integrity_check('duplicate_checksums', 'warn',
        ARRAY(SELECT DISTINCT d.checksum_sha256 FROM (
                  SELECT a.checksum_sha256,
                         pg_catalog.lag(a.checksum_sha256) OVER (ORDER BY a.checksum_sha256) AS previous
                  FROM orchestrator.artifacts a WHERE a.checksum_sha256 IS NOT NULL) d
              WHERE d.checksum_sha256 = d.previous ORDER BY d.checksum_sha256),
        'checksums shared by more than one artifact record (the same content stored twice?); sample ids are checksums');
    RETURN NEXT orchestrator.integrity_check('nodes_never_seen', 'warn',
        ARRAY(SELECT n.node_id::text FROM orchestrator.nodes n
              WHERE n.status = 'ACTIVE' AND NOT EXISTS (SELECT FROM orchestrator.node_heartbeats h WHERE h.node_id = n.node_id)
              ORDER BY n.created_at),
        'ACTIVE nodes that never sent a heartbeat');
    RETURN NEXT orchestrator.integrity_check('stale_nodes', 'warn',
        ARRAY(SELECT n.node_id::text FROM orchestrator.nodes n JOIN orchestrator.node_heartbeats h ON h.node_id = n.node_id
              WHERE orchestrator.node_health(n.status, h.last_heartbeat_at, th.stale_after, th.down_after) IN ('STALE', 'DOWN')
                AND n.status = 'ACTIVE'
              ORDER BY h.last_heartbeat_at),
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
    RETURN NEXT orchestrator.integrity_check('schemas_without_type', 'warn',
        ARRAY(SELECT t.tool_id::text FROM orchestrator.tools t
              WHERE t.input_schema <> '{}' AND NOT t.input_schema ? 'type' ORDER BY t.name),
        'tools whose non-empty input schema declares no "type"');
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
    RETURN NEXT orchestrator.integrity_check('deprecated_tools_still_targeted', 'warn',
        ARRAY(SELECT t.tool_id::text FROM orchestrator.tools t
              WHERE t.status = 'DEPRECATED' AND EXISTS (SELECT FROM orchestrator.tools l
                    WHERE l.name = t.name AND l.version_key > t.version_key AND l.status = 'ACTIVE')
                AND t.target_node_id IS NOT NULL ORDER BY t.name),
        'DEPRECATED versions still bound to a node although a newer ACTIVE version exists');
    RETURN NEXT orchestrator.integrity_check('invalid_indexes', 'fail',
        ARRAY(SELECT i.indexrelid::regclass::text FROM pg_catalog.pg_index i
              JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
              WHERE c.relnamespace = 'orchestrator'::regnamespace AND NOT i.indisvalid),
        'indexes left invalid by a failed CREATE INDEX CONCURRENTLY');
END
$$;
DROP TRIGGER artifacts_tally_insert ON orchestrator.artifacts;
DROP TRIGGER artifacts_tally_update ON orchestrator.artifacts;
DROP TRIGGER artifacts_tally_delete ON orchestrator.artifacts;
DROP TRIGGER artifacts_tally_truncate ON orchestrator.artifacts;
DROP TRIGGER tools_orphan_artifacts ON orchestrator.tools;
DROP TRIGGER tools_move_artifacts ON orchestrator.tools;
DROP FUNCTION orchestrator.artifacts_tally(), orchestrator.tool_moves_artifacts(), orchestrator.artifacts_tally_truncate(),
              orchestrator.artifact_tallies_rebuild(), orchestrator.artifact_tallies_fold(boolean),
              orchestrator.duplicate_checksums_now(), orchestrator.artifact_tallies_now(),
              orchestrator.category_largest(text, numeric), orchestrator.checksums_shared(text[]);
DROP TABLE orchestrator.duplicate_checksums, orchestrator.artifact_tally_changes, orchestrator.artifact_tallies;

COMMIT;
