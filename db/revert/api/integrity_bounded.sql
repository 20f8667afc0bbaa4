-- Revert ai-orchestrator:api/integrity_bounded
-- Back to collecting every problem id (the definition of api/monitoring).
BEGIN;
SET LOCAL ROLE aio_owner;

CREATE OR REPLACE FUNCTION api.monitoring_data_integrity(stale_after_seconds integer DEFAULT 30, down_after_seconds integer DEFAULT 120)
RETURNS SETOF api.integrity_check
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
    th record := orchestrator.health_thresholds(stale_after_seconds, down_after_seconds);
BEGIN
    RETURN NEXT orchestrator.integrity_check('orphaned_artifacts', 'warn',
        ARRAY(SELECT a.artifact_id::text FROM orchestrator.artifacts a WHERE a.tool_id IS NULL ORDER BY a.created_at),
        'artifacts whose tool was deleted (the cleanup maintenance route removes them)');
    RETURN NEXT orchestrator.integrity_check('active_tools_without_node', 'warn',
        ARRAY(SELECT t.tool_id::text FROM orchestrator.tools t WHERE t.status = 'ACTIVE' AND t.target_node_id IS NULL ORDER BY t.name),
        'ACTIVE tools with no target node');
    RETURN NEXT orchestrator.integrity_check('active_tools_on_unavailable_nodes', 'fail',
        ARRAY(SELECT t.tool_id::text FROM orchestrator.tools t JOIN orchestrator.nodes n ON n.node_id = t.target_node_id
              LEFT JOIN orchestrator.node_heartbeats h ON h.node_id = n.node_id
              WHERE t.status = 'ACTIVE' AND (n.status <> 'ACTIVE'
                    OR orchestrator.node_health(n.status, h.last_heartbeat_at, th.stale_after, th.down_after) = 'DOWN')
              ORDER BY t.name),
        'ACTIVE tools whose target node is not ACTIVE or is DOWN');
    RETURN NEXT orchestrator.integrity_check('duplicate_checksums', 'warn',
        ARRAY(SELECT a.checksum_sha256 FROM orchestrator.artifacts a WHERE a.checksum_sha256 IS NOT NULL
              GROUP BY a.checksum_sha256 HAVING pg_catalog.count(*) > 1 ORDER BY a.checksum_sha256),
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
    RETURN NEXT orchestrator.integrity_check('schemas_not_objects', 'fail',
        ARRAY(SELECT t.tool_id::text FROM orchestrator.tools t
              WHERE pg_catalog.jsonb_typeof(t.input_schema) <> 'object' OR pg_catalog.jsonb_typeof(t.output_schema) <> 'object'),
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
COMMENT ON FUNCTION api.monitoring_data_integrity(integer, integer) IS
'A list of named data checks, each ok, warn or fail with a count and up to 5 sample ids: orphaned artifacts, ACTIVE tools without a node or on unavailable nodes, duplicate checksums, nodes never seen, stale nodes, schemas that are not objects or declare no type, artifacts without a node, timestamps in the future, deprecated versions still targeted, invalid indexes.
Example: SELECT check_name, status, problems FROM api.monitoring_data_integrity() WHERE status <> ''ok'';
Errors: 22023 thresholds out of order.
Route: GET /monitoring/data-integrity';

CREATE OR REPLACE FUNCTION orchestrator.integrity_check(check_name text, severity text, ids text[], description text)
RETURNS api.integrity_check
LANGUAGE sql IMMUTABLE AS $$
    SELECT ROW(check_name, CASE WHEN pg_catalog.cardinality(ids) = 0 THEN 'ok' ELSE severity END,
               pg_catalog.cardinality(ids)::bigint, ids[1:5], description)::api.integrity_check
$$;
DROP FUNCTION orchestrator.integrity_check_counted(text, text, bigint, text[], text);

COMMIT;
