-- Revert ai-orchestrator:data/tools_schemas_unfit
BEGIN;
SET LOCAL ROLE aio_owner;

DROP TABLE orchestrator.tools_schemas_unfit;
DROP FUNCTION orchestrator.tool_schemas_fit(jsonb, jsonb);

COMMIT;
