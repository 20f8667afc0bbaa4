-- Verify ai-orchestrator:reporting/views
SELECT node_id, node_name, node_type, address, status, last_heartbeat_at, labels, tool_count, created_at, updated_at
FROM reporting.nodes WHERE false;
SELECT tool_id, tool_name, version, category, status, description, target_node_id, target_node_name,
       target_node_status, tags, is_latest_version, created_at, updated_at
FROM reporting.tools WHERE false;
SELECT tool_id, tool_name, version, category, tag, tagged_at FROM reporting.tool_tags WHERE false;
SELECT artifact_id, artifact_name, uri, mime_type, size_bytes, size_mib, checksum_sha256, tool_id, tool_name,
       tool_version, tool_category, node_id, node_name, is_orphaned, created_at, created_date
FROM reporting.artifacts WHERE false;
SELECT 1 / pg_catalog.has_table_privilege('aio_bi', 'reporting.artifacts', 'SELECT')::int;
