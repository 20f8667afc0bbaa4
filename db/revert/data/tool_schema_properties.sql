-- Revert ai-orchestrator:data/tool_schema_properties
BEGIN;
SET LOCAL ROLE aio_owner;
SET LOCAL lock_timeout = '2s';
ALTER TABLE orchestrator.tools DROP COLUMN input_properties, DROP COLUMN output_properties;  -- and their indexes
DROP FUNCTION orchestrator.schema_properties(jsonb);
DROP FUNCTION orchestrator.longest(text[]);
COMMIT;
