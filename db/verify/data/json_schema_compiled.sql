-- Verify ai-orchestrator:data/json_schema_compiled
SELECT 'orchestrator.json_schema_compiled(jsonb)'::regprocedure;
SELECT schema_sha256, ctx FROM orchestrator.json_schemas_compiled WHERE false;
