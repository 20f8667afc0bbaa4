-- Verify ai-orchestrator:data/json_schema
SELECT 'orchestrator.json_schema_compile(jsonb, text)'::regprocedure,
       'orchestrator.json_schema_errors(jsonb, jsonb)'::regprocedure,
       'orchestrator.json_schema_is_valid(jsonb, jsonb)'::regprocedure,
       'orchestrator.json_schema_problems(jsonb)'::regprocedure;
DO $$ BEGIN
    ASSERT (SELECT count(*) FROM orchestrator.json_schema_bundled WHERE ctx IS NOT NULL) = 8;
    ASSERT orchestrator.json_schema_is_valid(orchestrator.json_schema_compile('{"type": "integer"}'), '1.0');
    ASSERT NOT orchestrator.json_schema_is_valid(orchestrator.json_schema_compile('{"$ref": "https://json-schema.org/draft/2020-12/schema"}'), '{"type": 1}');
    ASSERT (SELECT count(*) FROM orchestrator.json_schema_errors(orchestrator.json_schema_compile('{"maxLength": 1}'), '"ab"')) = 1;
    ASSERT (SELECT count(*) FROM orchestrator.json_schema_problems('{"type": "strnig"}')) = 1;
END $$;
