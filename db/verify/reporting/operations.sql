-- Verify ai-orchestrator:reporting/operations
SELECT node_id, node_name, node_type, status, health, last_heartbeat_at, seconds_since_heartbeat, heartbeats,
       reported_cpu, tool_count FROM reporting.node_health WHERE false;
SELECT day, category, artifact_count, total_bytes, total_mib FROM reporting.artifacts_by_day WHERE false;
SELECT category, artifact_count, total_bytes, average_bytes, largest_bytes, total_gib FROM reporting.storage_by_category WHERE false;
SELECT tool_id, tool_name, version, category, status, artifact_count, total_bytes, first_artifact_at, last_artifact_at
FROM reporting.tool_usage WHERE false;
