-- Verify ai-orchestrator:api/artifact_revision
SELECT (NULL::api.artifact).revision, (NULL::api.artifact_item).revision;
