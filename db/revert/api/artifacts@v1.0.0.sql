-- Revert ai-orchestrator:api/artifacts
BEGIN;
DROP FUNCTION api.artifact_delete(uuid);
DROP FUNCTION api.artifact_list_large(bigint, integer, text);
DROP FUNCTION api.artifact_list_by_tool(uuid, integer, text);
DROP FUNCTION api.artifact_list(uuid, uuid, text, timestamptz, timestamptz, integer, text);
DROP FUNCTION api.artifact_get(uuid);
DROP FUNCTION api.artifact_create(text, text, uuid, uuid, text, bigint, text, jsonb);
DROP FUNCTION orchestrator.artifact_not_found(uuid);
DROP FUNCTION orchestrator.artifact_out(orchestrator.artifacts);
DROP TYPE api.artifact_item;
DROP TYPE api.artifact;
COMMIT;
