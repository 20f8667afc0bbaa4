-- Verify ai-orchestrator:data/artifacts
SELECT artifact_id, tool_id, node_id, name, uri, mime_type, size_bytes, checksum_sha256, metadata, created_at, updated_at
FROM orchestrator.artifacts WHERE false;
