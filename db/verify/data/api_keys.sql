-- Verify ai-orchestrator:data/api_keys
SELECT key_id, label, role, node_id, key_hash, key_prefix, expires_at, revoked_at, last_used_at, created_by,
       created_at, updated_at FROM orchestrator.api_keys WHERE false;
SELECT 1 / count(*) FROM orchestrator.settings WHERE name = 'audit_retention_days';
