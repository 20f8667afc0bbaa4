-- Verify ai-orchestrator:api/json_schema
SELECT 'api.json_schema_validate(jsonb, jsonb)'::regprocedure, 'api.json_schema_check(jsonb)'::regprocedure;
SELECT 1 / pg_catalog.has_function_privilege('aio_reader', 'api.json_schema_validate(jsonb, jsonb)', 'EXECUTE')::int;
SELECT 1 / (NOT pg_catalog.has_function_privilege('aio_anon', 'api.json_schema_validate(jsonb, jsonb)', 'EXECUTE'))::int;
SELECT 1 / (SELECT count(*)::int FROM api.json_schema_validate('{"maxLength": 1}', '"ab"'));
SELECT 'api.tool_validate(uuid, jsonb, jsonb)'::regprocedure;
SELECT 1 / pg_catalog.has_function_privilege('aio_node', 'api.tool_validate(uuid, jsonb, jsonb)', 'EXECUTE')::int;
