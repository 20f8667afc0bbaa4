-- pgTAP: data/json_schema_compiled
BEGIN;
SELECT plan(6);

SELECT volatility_is('orchestrator', 'json_schema_compiled', ARRAY['jsonb'], 'volatile');
SELECT is(orchestrator.json_schema_compiled('{"type": "integer", "minimum": 3}'),
          orchestrator.json_schema_compile('{"type": "integer", "minimum": 3}'),
          'the first call compiles the schema');
SELECT is((SELECT count(*) FROM orchestrator.json_schemas_compiled
           WHERE schema_sha256 = sha256(convert_to('{"type": "integer", "minimum": 3}'::jsonb::text, 'UTF8'))),
          1::bigint, 'and keeps it under the SHA-256 of its canonical text');
SELECT is(orchestrator.json_schema_compiled('{"minimum": 3,  "type": "integer"}'),
          orchestrator.json_schema_compile('{"type": "integer", "minimum": 3}'),
          'the same schema written otherwise is found again');
SELECT is((SELECT count(*) FROM orchestrator.json_schemas_compiled
           WHERE ctx = orchestrator.json_schema_compile('{"type": "integer", "minimum": 3}')), 1::bigint, 'and not stored twice');
SELECT ok(NOT orchestrator.json_schema_is_valid(orchestrator.json_schema_compiled('{"type": "integer", "minimum": 3}'), '2'),
          'a kept schema validates like a fresh one');

SELECT * FROM finish();
ROLLBACK;
