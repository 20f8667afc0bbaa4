-- Revert ai-orchestrator:api/json_schema
BEGIN;
DROP FUNCTION api.tool_validate(uuid, jsonb, jsonb);
DROP FUNCTION api.json_schema_check(jsonb);
DROP FUNCTION api.json_schema_validate(jsonb, jsonb);
COMMIT;
