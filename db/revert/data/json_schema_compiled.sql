-- Revert ai-orchestrator:data/json_schema_compiled
BEGIN;
SET LOCAL ROLE aio_owner;

DROP FUNCTION orchestrator.json_schema_compiled(jsonb);
DROP TABLE orchestrator.json_schemas_compiled;

COMMIT;
