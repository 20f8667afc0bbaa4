-- Revert ai-orchestrator:data/api_keys
BEGIN;
DROP TABLE orchestrator.settings;
DROP TABLE orchestrator.api_keys;
COMMIT;
