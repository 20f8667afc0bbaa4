-- Deploy ai-orchestrator:reporting/views
-- requires: data/artifacts data/node_heartbeats
-- Views for BI tools: one per table, flat columns with friendly names, read by aio_bi.
BEGIN;
SET LOCAL ROLE aio_owner;

CREATE VIEW reporting.nodes AS
SELECT n.node_id,
       n.name                AS node_name,
       n.node_type,
       n.address,
       n.status,
       h.last_heartbeat_at,
       (SELECT pg_catalog.string_agg(l.key || '=' || l.value, ', ' ORDER BY l.key)
        FROM pg_catalog.jsonb_each_text(n.labels) l) AS labels,
       (SELECT pg_catalog.count(*) FROM orchestrator.tools t WHERE t.target_node_id = n.node_id) AS tool_count,
       n.created_at,
       n.updated_at
FROM orchestrator.nodes n
LEFT JOIN orchestrator.node_heartbeats h ON h.node_id = n.node_id;
COMMENT ON VIEW reporting.nodes IS 'Worker nodes, one row each, with their labels as text and how many tools target them.';
COMMENT ON COLUMN reporting.nodes.node_id IS 'Node id (UUID).';
COMMENT ON COLUMN reporting.nodes.node_name IS 'Node name; empty when the node has none.';
COMMENT ON COLUMN reporting.nodes.node_type IS 'Node type, e.g. TOOL_EXECUTOR.';
COMMENT ON COLUMN reporting.nodes.address IS 'Where the node is reached (http, https or grpc URL).';
COMMENT ON COLUMN reporting.nodes.status IS 'ACTIVE, INACTIVE, MAINTENANCE or ERROR, as last set.';
COMMENT ON COLUMN reporting.nodes.last_heartbeat_at IS 'When the node last reported; empty when never.';
COMMENT ON COLUMN reporting.nodes.labels IS 'Labels as "key=value, key=value", sorted by key.';
COMMENT ON COLUMN reporting.nodes.tool_count IS 'Number of tools whose target is this node.';
COMMENT ON COLUMN reporting.nodes.created_at IS 'When the node was registered.';
COMMENT ON COLUMN reporting.nodes.updated_at IS 'When the node record last changed.';

CREATE VIEW reporting.tools AS
SELECT t.tool_id,
       t.name        AS tool_name,
       t.version,
       t.category,
       t.status,
       t.description,
       t.target_node_id,
       n.name        AS target_node_name,
       n.status      AS target_node_status,
       (SELECT pg_catalog.string_agg(g.tag, ', ' ORDER BY g.tag) FROM orchestrator.tool_tags g
        WHERE g.tool_id = t.tool_id) AS tags,
       (t.version_key = (SELECT pg_catalog.max(l.version_key) FROM orchestrator.tools l WHERE l.name = t.name)) AS is_latest_version,
       t.created_at,
       t.updated_at
FROM orchestrator.tools t
LEFT JOIN orchestrator.nodes n ON n.node_id = t.target_node_id;
COMMENT ON VIEW reporting.tools IS 'Tool versions, one row each, with their target node and tags.';
COMMENT ON COLUMN reporting.tools.tool_id IS 'Tool version id (UUID).';
COMMENT ON COLUMN reporting.tools.tool_name IS 'Tool name, shared by all its versions.';
COMMENT ON COLUMN reporting.tools.version IS 'Semantic version; sort with is_latest_version or the API, not as text.';
COMMENT ON COLUMN reporting.tools.category IS 'Tool category, e.g. ANALYSIS.';
COMMENT ON COLUMN reporting.tools.status IS 'ACTIVE, INACTIVE or DEPRECATED.';
COMMENT ON COLUMN reporting.tools.description IS 'What the tool does.';
COMMENT ON COLUMN reporting.tools.target_node_id IS 'Id of the node that runs it; empty when none.';
COMMENT ON COLUMN reporting.tools.target_node_name IS 'Name of the node that runs it.';
COMMENT ON COLUMN reporting.tools.target_node_status IS 'Status of the node that runs it.';
COMMENT ON COLUMN reporting.tools.tags IS 'Tags as "a, b, c", sorted.';
COMMENT ON COLUMN reporting.tools.is_latest_version IS 'True for the highest version of this tool name by semver precedence.';
COMMENT ON COLUMN reporting.tools.created_at IS 'When this version was registered.';
COMMENT ON COLUMN reporting.tools.updated_at IS 'When this version''s record last changed.';

CREATE VIEW reporting.tool_tags AS
SELECT g.tool_id, t.name AS tool_name, t.version, t.category, g.tag, g.created_at AS tagged_at
FROM orchestrator.tool_tags g
JOIN orchestrator.tools t ON t.tool_id = g.tool_id;
COMMENT ON VIEW reporting.tool_tags IS 'One row per tag of a tool version: count tools per tag, or tags per category.';
COMMENT ON COLUMN reporting.tool_tags.tool_id IS 'Tool version id (UUID).';
COMMENT ON COLUMN reporting.tool_tags.tool_name IS 'Tool name.';
COMMENT ON COLUMN reporting.tool_tags.version IS 'Tool version.';
COMMENT ON COLUMN reporting.tool_tags.category IS 'Tool category.';
COMMENT ON COLUMN reporting.tool_tags.tag IS 'The tag, lower case.';
COMMENT ON COLUMN reporting.tool_tags.tagged_at IS 'When the tag was added.';

CREATE VIEW reporting.artifacts AS
SELECT a.artifact_id,
       a.name        AS artifact_name,
       a.uri,
       a.mime_type,
       a.size_bytes,
       pg_catalog.round(a.size_bytes / 1048576.0, 3) AS size_mib,
       a.checksum_sha256,
       a.tool_id,
       t.name        AS tool_name,
       t.version     AS tool_version,
       t.category    AS tool_category,
       a.node_id,
       n.name        AS node_name,
       (a.tool_id IS NULL) AS is_orphaned,
       a.created_at,
       (a.created_at AT TIME ZONE 'UTC')::date AS created_date
FROM orchestrator.artifacts a
LEFT JOIN orchestrator.tools t ON t.tool_id = a.tool_id
LEFT JOIN orchestrator.nodes n ON n.node_id = a.node_id;
COMMENT ON VIEW reporting.artifacts IS 'Artifact records, one row each, with the producing tool and node.';
COMMENT ON COLUMN reporting.artifacts.artifact_id IS 'Artifact id (UUID).';
COMMENT ON COLUMN reporting.artifacts.artifact_name IS 'Artifact name, e.g. a file name.';
COMMENT ON COLUMN reporting.artifacts.uri IS 'Where the file is stored.';
COMMENT ON COLUMN reporting.artifacts.mime_type IS 'Media type, e.g. application/json.';
COMMENT ON COLUMN reporting.artifacts.size_bytes IS 'Size in bytes.';
COMMENT ON COLUMN reporting.artifacts.size_mib IS 'Size in MiB (1,048,576 bytes), rounded to 3 decimals.';
COMMENT ON COLUMN reporting.artifacts.checksum_sha256 IS 'SHA-256 of the file, hex; empty when unknown.';
COMMENT ON COLUMN reporting.artifacts.tool_id IS 'Producing tool version id; empty once that tool is deleted.';
COMMENT ON COLUMN reporting.artifacts.tool_name IS 'Producing tool name.';
COMMENT ON COLUMN reporting.artifacts.tool_version IS 'Producing tool version.';
COMMENT ON COLUMN reporting.artifacts.tool_category IS 'Producing tool category.';
COMMENT ON COLUMN reporting.artifacts.node_id IS 'Node that produced it; empty when unknown or deleted.';
COMMENT ON COLUMN reporting.artifacts.node_name IS 'Name of the node that produced it.';
COMMENT ON COLUMN reporting.artifacts.is_orphaned IS 'True when the producing tool was deleted.';
COMMENT ON COLUMN reporting.artifacts.created_at IS 'When the artifact was recorded.';
COMMENT ON COLUMN reporting.artifacts.created_date IS 'The UTC day it was recorded, for daily charts.';

GRANT SELECT ON reporting.nodes, reporting.tools, reporting.tool_tags, reporting.artifacts TO aio_bi;

COMMIT;
