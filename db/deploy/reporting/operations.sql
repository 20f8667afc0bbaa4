-- Deploy ai-orchestrator:reporting/operations
-- requires: reporting/views api/heartbeats
-- Operational views for BI: node health, artifacts by day and category, storage by category, tool usage.
BEGIN;
SET LOCAL ROLE aio_owner;

CREATE VIEW reporting.node_health AS
SELECT n.node_id,
       n.name AS node_name,
       n.node_type,
       n.status,
       orchestrator.node_health(n.status, h.last_heartbeat_at) AS health,
       h.last_heartbeat_at,
       pg_catalog.round(EXTRACT(epoch FROM pg_catalog.now() - h.last_heartbeat_at)) AS seconds_since_heartbeat,
       h.beat_count AS heartbeats,
       (h.load->>'cpu') AS reported_cpu,
       (SELECT pg_catalog.count(*) FROM orchestrator.tools t WHERE t.target_node_id = n.node_id) AS tool_count
FROM orchestrator.nodes n
LEFT JOIN orchestrator.node_heartbeats h ON h.node_id = n.node_id;
COMMENT ON VIEW reporting.node_health IS 'Each node''s derived health (30 s stale, 120 s down), last heartbeat and load, and how many tools target it.';
COMMENT ON COLUMN reporting.node_health.node_id IS 'Node id (UUID).';
COMMENT ON COLUMN reporting.node_health.node_name IS 'Node name.';
COMMENT ON COLUMN reporting.node_health.node_type IS 'Node type.';
COMMENT ON COLUMN reporting.node_health.status IS 'Status as set: ACTIVE, INACTIVE, MAINTENANCE or ERROR.';
COMMENT ON COLUMN reporting.node_health.health IS 'HEALTHY, STALE (silent > 30 s), DOWN (silent > 120 s or ERROR), MAINTENANCE, INACTIVE or UNKNOWN (never beat).';
COMMENT ON COLUMN reporting.node_health.last_heartbeat_at IS 'When the node last beat.';
COMMENT ON COLUMN reporting.node_health.seconds_since_heartbeat IS 'Seconds since the last beat, rounded.';
COMMENT ON COLUMN reporting.node_health.heartbeats IS 'How many beats the node has sent.';
COMMENT ON COLUMN reporting.node_health.reported_cpu IS 'The "cpu" figure of the last beat''s load, as sent.';
COMMENT ON COLUMN reporting.node_health.tool_count IS 'Tools whose target is this node.';

-- Daily figures scan every artifact: kept as a materialized view, refreshed by
-- api.maintenance_refresh_reporting() (POST /maintenance/refresh-reporting).
CREATE MATERIALIZED VIEW reporting.artifacts_by_day AS
SELECT (a.created_at AT TIME ZONE 'UTC')::date AS day,
       coalesce(t.category, 'orphaned') AS category,
       pg_catalog.count(*) AS artifact_count,
       pg_catalog.sum(a.size_bytes) AS total_bytes,
       pg_catalog.round(pg_catalog.sum(a.size_bytes) / 1048576.0, 1) AS total_mib
FROM orchestrator.artifacts a
LEFT JOIN orchestrator.tools t ON t.tool_id = a.tool_id
GROUP BY 1, 2;
CREATE UNIQUE INDEX artifacts_by_day_key ON reporting.artifacts_by_day (day, category);
COMMENT ON MATERIALIZED VIEW reporting.artifacts_by_day IS 'Artifacts recorded per UTC day and tool category (materialized; refreshed by api.maintenance_refresh_reporting).';
COMMENT ON COLUMN reporting.artifacts_by_day.day IS 'UTC day the artifacts were recorded.';
COMMENT ON COLUMN reporting.artifacts_by_day.category IS 'Producing tool category, or "orphaned" when the tool is gone.';
COMMENT ON COLUMN reporting.artifacts_by_day.artifact_count IS 'Artifacts recorded that day.';
COMMENT ON COLUMN reporting.artifacts_by_day.total_bytes IS 'Their total size in bytes.';
COMMENT ON COLUMN reporting.artifacts_by_day.total_mib IS 'Their total size in MiB.';

CREATE VIEW reporting.storage_by_category AS
SELECT coalesce(t.category, 'orphaned') AS category,
       pg_catalog.count(*) AS artifact_count,
       pg_catalog.sum(a.size_bytes) AS total_bytes,
       pg_catalog.round(pg_catalog.avg(a.size_bytes)) AS average_bytes,
       pg_catalog.max(a.size_bytes) AS largest_bytes,
       pg_catalog.round(pg_catalog.sum(a.size_bytes) / 1073741824.0, 3) AS total_gib
FROM orchestrator.artifacts a
LEFT JOIN orchestrator.tools t ON t.tool_id = a.tool_id
GROUP BY 1;
COMMENT ON VIEW reporting.storage_by_category IS 'Artifact storage per tool category, with an "orphaned" bucket.';
COMMENT ON COLUMN reporting.storage_by_category.category IS 'Tool category, or "orphaned".';
COMMENT ON COLUMN reporting.storage_by_category.artifact_count IS 'Number of artifacts.';
COMMENT ON COLUMN reporting.storage_by_category.total_bytes IS 'Total size in bytes.';
COMMENT ON COLUMN reporting.storage_by_category.average_bytes IS 'Average size in bytes.';
COMMENT ON COLUMN reporting.storage_by_category.largest_bytes IS 'Largest artifact in bytes.';
COMMENT ON COLUMN reporting.storage_by_category.total_gib IS 'Total size in GiB.';

CREATE VIEW reporting.tool_usage AS
SELECT t.tool_id,
       t.name AS tool_name,
       t.version,
       t.category,
       t.status,
       pg_catalog.count(a.artifact_id) AS artifact_count,
       coalesce(pg_catalog.sum(a.size_bytes), 0) AS total_bytes,
       pg_catalog.min(a.created_at) AS first_artifact_at,
       pg_catalog.max(a.created_at) AS last_artifact_at
FROM orchestrator.tools t
LEFT JOIN orchestrator.artifacts a ON a.tool_id = t.tool_id
GROUP BY t.tool_id;
COMMENT ON VIEW reporting.tool_usage IS 'What each tool version produced: artifacts, bytes, first and last artifact time.';
COMMENT ON COLUMN reporting.tool_usage.tool_id IS 'Tool version id (UUID).';
COMMENT ON COLUMN reporting.tool_usage.tool_name IS 'Tool name.';
COMMENT ON COLUMN reporting.tool_usage.version IS 'Tool version.';
COMMENT ON COLUMN reporting.tool_usage.category IS 'Tool category.';
COMMENT ON COLUMN reporting.tool_usage.status IS 'Tool status.';
COMMENT ON COLUMN reporting.tool_usage.artifact_count IS 'Artifacts it produced.';
COMMENT ON COLUMN reporting.tool_usage.total_bytes IS 'Their total size in bytes.';
COMMENT ON COLUMN reporting.tool_usage.first_artifact_at IS 'When it produced its first artifact.';
COMMENT ON COLUMN reporting.tool_usage.last_artifact_at IS 'When it produced its last artifact.';

GRANT SELECT ON reporting.node_health, reporting.artifacts_by_day, reporting.storage_by_category, reporting.tool_usage TO aio_bi;
-- A view runs its functions with the reader's EXECUTE rights, not the owner's.
GRANT EXECUTE ON FUNCTION orchestrator.node_health(text, timestamptz, interval, interval) TO aio_bi;

COMMIT;
