-- Revert ai-orchestrator:api/keys
BEGIN;
DROP FUNCTION api.api_key_revoke(uuid);
DROP FUNCTION api.api_key_list(boolean, integer, text);
DROP FUNCTION api.api_key_create(text, text, timestamptz, uuid);
DROP TYPE api.new_api_key;
DROP TYPE api.api_key;
COMMIT;
