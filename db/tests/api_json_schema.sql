-- pgTAP: data/json_schema and api/json_schema
BEGIN;
SELECT plan(59);

-- signature, volatility, security -------------------------------------------------------
SELECT has_function('api', 'json_schema_validate', ARRAY['jsonb', 'jsonb']);
SELECT function_returns('api', 'json_schema_validate', ARRAY['jsonb', 'jsonb'], 'setof record');
SELECT is((SELECT pg_get_function_result('api.json_schema_validate(jsonb, jsonb)'::regprocedure)),
    'TABLE(instance_location text, schema_location text, message text)', 'json_schema_validate: errors as typed rows');
SELECT volatility_is('api', 'json_schema_validate', ARRAY['jsonb', 'jsonb'], 'stable');
SELECT is_definer('api', 'json_schema_validate', ARRAY['jsonb', 'jsonb']);
SELECT is((SELECT proconfig FROM pg_proc WHERE oid = 'api.json_schema_validate(jsonb, jsonb)'::regprocedure),
    ARRAY['search_path=""'], 'json_schema_validate: search_path is pinned');
SELECT has_function('api', 'json_schema_check', ARRAY['jsonb']);
SELECT is((SELECT pg_get_function_result('api.json_schema_check(jsonb)'::regprocedure)),
    'TABLE(pointer text, problem text)', 'json_schema_check: problems as typed rows');
SELECT volatility_is('api', 'json_schema_check', ARRAY['jsonb'], 'stable');
SELECT is_definer('api', 'json_schema_check', ARRAY['jsonb']);
SELECT is((SELECT proconfig FROM pg_proc WHERE oid = 'api.json_schema_check(jsonb)'::regprocedure),
    ARRAY['search_path=""'], 'json_schema_check: search_path is pinned');

-- privileges: readers (and so writers and admins) and node keys; not anonymous callers or BI --
SELECT function_privs_are('api', 'json_schema_validate', ARRAY['jsonb', 'jsonb'], 'aio_reader', ARRAY['EXECUTE']);
SELECT function_privs_are('api', 'json_schema_validate', ARRAY['jsonb', 'jsonb'], 'aio_node', ARRAY['EXECUTE']);
SELECT function_privs_are('api', 'json_schema_validate', ARRAY['jsonb', 'jsonb'], 'aio_anon', ARRAY[]::text[]);
SELECT function_privs_are('api', 'json_schema_validate', ARRAY['jsonb', 'jsonb'], 'aio_bi', ARRAY[]::text[]);
SELECT function_privs_are('api', 'json_schema_check', ARRAY['jsonb'], 'aio_reader', ARRAY['EXECUTE']);
SELECT function_privs_are('api', 'json_schema_check', ARRAY['jsonb'], 'aio_node', ARRAY['EXECUTE']);
SELECT function_privs_are('api', 'json_schema_check', ARRAY['jsonb'], 'aio_anon', ARRAY[]::text[]);
SELECT function_privs_are('api', 'json_schema_check', ARRAY['jsonb'], 'aio_bi', ARRAY[]::text[]);

-- behaviour, as a reader, with named arguments -------------------------------------------
SET LOCAL ROLE aio_reader;
CREATE TEMP TABLE tool_input (schema) AS VALUES ($j${
    "type": "object",
    "required": ["prompt", "model", "temperature"],
    "additionalProperties": false,
    "properties": {
        "prompt": {"type": "string", "minLength": 1, "maxLength": 100},
        "model": {"enum": ["small", "large"]},
        "temperature": {"type": "number", "minimum": 0, "maximum": 2},
        "max_tokens": {"type": "integer", "exclusiveMinimum": 0},
        "stop": {"type": "array", "maxItems": 2, "items": {"type": "string"}},
        "user": {"type": "string", "pattern": "^u-\\d+$"},
        "callback": {"$ref": "#/$defs/url"}
    },
    "$defs": {"url": {"type": "string", "pattern": "^https://"}}
}$j$::jsonb);

SELECT is_empty($$ SELECT * FROM api.json_schema_validate(schema => (SELECT schema FROM tool_input),
    instance => '{"prompt": "hi", "model": "small", "temperature": 1.0, "max_tokens": 5.0, "user": "u-42", "callback": "https://x"}') $$,
    'a valid instance: no rows (5.0 is an integer)');
SELECT results_eq($$ SELECT instance_location, schema_location FROM api.json_schema_validate(schema => (SELECT schema FROM tool_input),
    instance => '{"prompt": "", "model": "medium", "stop": ["a", "b", "c"], "user": "u-x", "callback": "http://x", "extra": 1}')
    ORDER BY 1, 2 $$,
    $$ VALUES ('', '/required'), ('/callback', '/properties/callback/$ref/pattern'), ('/extra', '/additionalProperties'),
              ('/model', '/properties/model/enum'), ('/prompt', '/properties/prompt/minLength'),
              ('/stop', '/properties/stop/maxItems'), ('/user', '/properties/user/pattern') $$,
    'every error, at its instance location (JSON Pointer) and keyword path (through $ref)');
SELECT is((SELECT message FROM api.json_schema_validate(schema => '{"required": ["a"]}', instance => '{}')),
    'required property "a" is missing', 'messages name the field');
SELECT is((SELECT instance_location FROM api.json_schema_validate(schema => '{"properties": {"a/b~c": {"type": "string"}}}', instance => '{"a/b~c": 1}')),
    '/a~1b~0c', 'JSON Pointer escapes ~ and /');
SELECT is((SELECT count(*)::int FROM api.json_schema_validate(schema => '{"maxLength": 2}', instance => '"日本"')), 0, 'lengths count code points');
SELECT is((SELECT count(*)::int FROM api.json_schema_validate(schema => '{"const": {"a": [1, 2]}}', instance => '{"a": [1.0, 2]}')), 0,
    'const is JSON equality: 1.0 = 1');
SELECT is((SELECT count(*)::int FROM api.json_schema_validate(schema => '{"uniqueItems": true}', instance => '[{"a": 1, "b": 2}, {"b": 2, "a": 1}]')), 1,
    'uniqueItems ignores key order');
SELECT is((SELECT count(*)::int FROM api.json_schema_validate(schema => '{"pattern": "^\\d+$"}', instance => '"٣"')), 1,
    '\d is ASCII digits, as in ECMA-262');
SELECT is((SELECT count(*)::int FROM api.json_schema_validate(schema => '{"pattern": "a.c"}', instance => '"xa\ncx"')), 1,
    '. does not match a line terminator; patterns are not anchored');
SELECT is((SELECT count(*)::int FROM api.json_schema_validate(schema => '{"pattern": "\\bcat\\b"}', instance => '"a cat!"')), 0,
    '\b is a word boundary');
SELECT is((SELECT count(*)::int FROM api.json_schema_validate(
    schema => '{"allOf": [{"properties": {"a": true}}], "unevaluatedProperties": false}', instance => '{"a": 1, "b": 2}')), 1,
    'unevaluatedProperties sees what allOf evaluated');
SELECT is((SELECT count(*)::int FROM api.json_schema_validate(
    schema => '{"$ref": "https://json-schema.org/draft/2020-12/schema"}', instance => '{"minLength": -1}')), 1,
    'the 2020-12 meta-schema is bundled');

SELECT is_empty($$ SELECT * FROM api.json_schema_check(schema => (SELECT schema FROM tool_input)) $$, 'a fit schema: no problems');
SELECT results_eq($$ SELECT pointer FROM api.json_schema_check(schema => '{"type": "strnig", "properties": {"a": {"$ref": "#/$defs/none", "maxLenght": 3}}, "patternProperties": {"(a)\\1": true}}') ORDER BY 1 $$,
    $$ VALUES ('/patternProperties/(a)\1'), ('/properties/a/$ref'), ('/properties/a/maxLenght'), ('/type') $$,
    'check: a bad type, an unknown keyword, a $ref that does not resolve, a pattern outside the common dialect');
SELECT ok((SELECT problem FROM api.json_schema_check(schema => '{"definitions": {}}')) LIKE '%use "$defs"%', 'check: definitions is refused with a hint');
SELECT ok((SELECT problem FROM api.json_schema_check(schema => '{"pattern": "\\p{L}"}')) LIKE 'pattern %', 'check: \p{..} is refused');
SELECT is((SELECT count(*)::int FROM api.json_schema_check(schema => '{"$defs": {"a": {"$anchor": "x"}}, "$ref": "#x", "$dynamicRef": "#x"}')), 0,
    'check: anchors resolve');

-- errors ----------------------------------------------------------------------------------
SELECT throws_ok($$ SELECT * FROM api.json_schema_validate(schema => '5', instance => '1') $$, '22023', NULL,
    'a schema that is not an object or a boolean: 22023');
SELECT is((SELECT schema_location FROM api.json_schema_validate(schema => '{"type": "string"}', instance => NULL)), '/type',
    'SQL NULL is validated as JSON null (over HTTP a JSON null arrives as NULL)');
SELECT throws_ok($$ SELECT * FROM api.json_schema_validate(schema => '{"$ref": "#/$defs/none"}', instance => '1') $$, '22023', NULL,
    'a $ref that does not resolve: 22023');
SELECT throws_ok($$ SELECT * FROM api.json_schema_validate(schema => '{"$defs": {"a": {"$ref": "#/$defs/a"}}, "$ref": "#/$defs/a"}', instance => '1') $$,
    '22023', NULL, 'a $ref cycle: 22023');
SELECT throws_ok($$ SELECT * FROM api.json_schema_validate(schema => '{"pattern": "(a)\\1"}', instance => '"aa"') $$, '2201B', NULL,
    'a pattern outside the common dialect: 2201B');
SELECT throws_ok($$ SELECT * FROM api.json_schema_check(schema => '[]') $$, '22023', NULL, 'check of a value that is no schema: 22023');
RESET ROLE;
SELECT ok(orchestrator.json_schema_is_valid(orchestrator.json_schema_compile('{"type": "integer"}'), '1.0'), 'the boolean form, on a compiled schema');
SELECT throws_ok($$ SET LOCAL ROLE aio_anon; SELECT * FROM api.json_schema_validate(schema => 'true', instance => '1') $$, '42501', NULL,
    'anonymous callers may not validate: 42501');

-- api.tool_validate: a value against a registered tool's schema ---------------------------
SELECT has_function('api', 'tool_validate', ARRAY['uuid', 'jsonb', 'jsonb']);
SELECT is(pg_get_function_arguments('api.tool_validate(uuid, jsonb, jsonb)'::regprocedure),
    'tool_id uuid, input jsonb DEFAULT NULL::jsonb, output jsonb DEFAULT NULL::jsonb, OUT valid boolean, OUT errors jsonb',
    'tool_validate: argument names and defaults, one row of valid and errors');
SELECT volatility_is('api', 'tool_validate', ARRAY['uuid', 'jsonb', 'jsonb'], 'stable');
SELECT is_definer('api', 'tool_validate', ARRAY['uuid', 'jsonb', 'jsonb']);
SELECT function_privs_are('api', 'tool_validate', ARRAY['uuid', 'jsonb', 'jsonb'], 'aio_reader', ARRAY['EXECUTE']);
SELECT function_privs_are('api', 'tool_validate', ARRAY['uuid', 'jsonb', 'jsonb'], 'aio_node', ARRAY['EXECUTE']);
SELECT function_privs_are('api', 'tool_validate', ARRAY['uuid', 'jsonb', 'jsonb'], 'aio_anon', ARRAY[]::text[]);
SELECT function_privs_are('api', 'tool_validate', ARRAY['uuid', 'jsonb', 'jsonb'], 'aio_bi', ARRAY[]::text[]);
SELECT ok(has_function_privilege('aio_writer', 'api.tool_validate(uuid, jsonb, jsonb)', 'EXECUTE')
          AND has_function_privilege('aio_admin', 'api.tool_validate(uuid, jsonb, jsonb)', 'EXECUTE'),
    'tool_validate: writers and admins may, as readers');

CREATE TEMP TABLE validated_tool AS
SELECT tool_id FROM api.tool_create(name => 'validated-tool', version => '1.0.0', category => 'NLP',
    input_schema => (SELECT schema FROM tool_input), output_schema => '{"type": "object", "required": ["summary"]}');
GRANT SELECT ON validated_tool TO aio_reader;
SET LOCAL ROLE aio_reader;
SELECT is((SELECT ROW(valid, errors)::text FROM api.tool_validate(tool_id => (SELECT tool_id FROM validated_tool),
                                                                  input => '{"prompt": "hi", "model": "small", "temperature": 1}')),
    ROW(true, '[]'::jsonb)::text, 'a valid input: valid, no errors');
SELECT results_eq($$ SELECT e->>'instance_location', e->>'schema_location'
                     FROM api.tool_validate(tool_id => (SELECT tool_id FROM validated_tool),
                                            input => '{"prompt": "", "model": "small", "temperature": 3}') v,
                          jsonb_array_elements(v.errors) e ORDER BY 1 $$,
    $$ VALUES ('/prompt', '/properties/prompt/minLength'), ('/temperature', '/properties/temperature/maximum') $$,
    'an invalid input: every error, as api.json_schema_validate gives them');
SELECT is((SELECT errors->0->>'message' FROM api.tool_validate(tool_id => (SELECT tool_id FROM validated_tool), output => '{}')),
    'required property "summary" is missing', 'output is validated against the output_schema');
SELECT throws_ok($$ SELECT * FROM api.tool_validate(tool_id => (SELECT tool_id FROM validated_tool)) $$, '22023',
    'input: give exactly one of input (checked against the input_schema) or output (the output_schema), got neither', 'neither input nor output: 22023');
SELECT throws_ok($$ SELECT * FROM api.tool_validate(tool_id => (SELECT tool_id FROM validated_tool), input => '1', output => '1') $$, '22023',
    'input: give exactly one of input (checked against the input_schema) or output (the output_schema), got both', 'both: 22023');
SELECT throws_ok($$ SELECT * FROM api.tool_validate(tool_id => '00000000-0000-0000-0000-000000000000', input => '1') $$, 'P0002',
    'tool_id: no tool has id 00000000-0000-0000-0000-000000000000', 'an unknown tool: P0002');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
