-- Verify ai-orchestrator:api/keys
SELECT 'api.api_key_create(text, text, timestamptz, uuid)'::regprocedure, 'api.api_key_list(boolean, integer, text)'::regprocedure,
       'api.api_key_revoke(uuid)'::regprocedure;
