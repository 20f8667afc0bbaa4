-- pgTAP: data/tools_schema_check (a tool's schemas are checked when written, by every writer)
BEGIN;
SELECT plan(13);

SELECT has_trigger('orchestrator', 'tools', 'tools_schema_check_insert', 'tools has trigger tools_schema_check_insert');
SELECT has_trigger('orchestrator', 'tools', 'tools_schema_check_update', 'tools has trigger tools_schema_check_update');

-- through the api: the field and the JSON Pointer in the message, the field in COLUMN
SELECT throws_ok($$ SELECT api.tool_create(name => 'schema-rule', version => '1.0.0', category => 'NLP',
                                           input_schema => '{"type": "object", "properties": {"x": {"type": "strnig"}}}') $$,
    '23514', 'input_schema: /properties/x/type: not a valid draft 2020-12 schema: value matches none of the schemas of anyOf (meta-schema /allOf/1/$ref/properties/properties/additionalProperties/$dynamicRef/allOf/3/$ref/properties/type/anyOf)',
    'a type that is no type: 23514 at its JSON Pointer');
SELECT throws_ok($$ SELECT api.tool_create(name => 'schema-rule', version => '1.0.0', category => 'NLP',
                                           output_schema => '{"properties": {"x": {"maxLenght": 3}}, "foo": 1}') $$,
    '23514', 'output_schema: /foo: keyword "foo" is not supported (draft 2020-12 vocabularies only) (and 1 more: api.json_schema_check lists them)',
    'an unknown keyword: 23514, the first problem and how many more');
SELECT throws_ok($$ SELECT api.tool_create(name => 'schema-rule', version => '1.0.0', category => 'NLP',
                                           input_schema => '{"$ref": "#/$defs/none"}') $$,
    '23514', 'input_schema: /$ref: $ref "#/$defs/none" does not resolve inside the schema or to a draft 2020-12 meta-schema',
    'a $ref that does not resolve: 23514');
SELECT throws_ok($$ SELECT api.tool_create(name => 'schema-rule', version => '1.0.0', category => 'NLP',
                                           input_schema => '{"properties": {"x": {"pattern": "\\p{L}"}}}') $$,
    '23514', NULL, 'a pattern outside the common dialect: 23514');
SELECT throws_ok(format($$ SELECT api.tool_create(name => 'schema-rule', version => '1.0.0', category => 'NLP', output_schema => %L) $$,
                         repeat('{"not": ', 450) || '{}' || repeat('}', 450)),
    '23514', 'output_schema: nested deeper than 400 levels', 'a schema too deep to check: 23514, by field');
SELECT is((SELECT tool_id FROM orchestrator.tools WHERE name = 'schema-rule'), NULL, 'nothing was stored');

SELECT lives_ok($$ SELECT api.tool_create(name => 'schema-rule', version => '1.0.0', category => 'NLP',
    input_schema => '{"type": "object", "required": ["a"], "properties": {"a": {"$ref": "#/$defs/a"}}, "$defs": {"a": {"type": "string", "pattern": "^\\d+$"}}}') $$,
    'a fit schema is stored');
SELECT throws_ok($$ SELECT api.tool_update(tool_id => (SELECT tool_id FROM orchestrator.tools WHERE name = 'schema-rule'),
                                           patch => '{"output_schema": {"minimum": "0"}}') $$,
    '23514', 'output_schema: /minimum: not a valid draft 2020-12 schema: a string is not of type "number" (meta-schema /allOf/3/$ref/properties/minimum/type)',
    'an update is checked too');

-- every writer: a plain INSERT or UPDATE, with the field in the error's COLUMN
CREATE FUNCTION pg_temp.error_of(statement text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE state text; col text; msg text;
BEGIN
    EXECUTE statement;
    RETURN NULL;
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, col = COLUMN_NAME, msg = MESSAGE_TEXT;
    RETURN state || ' ' || col || ' ' || msg;
END
$$;
SELECT is(pg_temp.error_of($$ INSERT INTO orchestrator.tools (name, version, category, input_schema)
                              VALUES ('schema-rule-2', '1.0.0', 'NLP', '{"items": {"enum": 1}}') $$),
    '23514 input_schema input_schema: /items/enum: not a valid draft 2020-12 schema: a number is not of type "array" (meta-schema /allOf/1/$ref/properties/items/$dynamicRef/allOf/3/$ref/properties/enum/type)',
    'a plain INSERT is checked: 23514, COLUMN input_schema');
SELECT is(pg_temp.error_of($$ UPDATE orchestrator.tools SET output_schema = '{"dependencies": {}}' WHERE name = 'schema-rule' $$),
    '23514 output_schema output_schema: /dependencies: keyword "dependencies" is not supported (draft 2020-12 vocabularies only; use "dependentRequired" or "dependentSchemas")',
    'a plain UPDATE is checked: 23514, COLUMN output_schema');
SELECT lives_ok($$ UPDATE orchestrator.tools SET description = 'only the description' WHERE name = 'schema-rule' $$,
    'an UPDATE that leaves the schemas alone checks nothing');

SELECT * FROM finish();
ROLLBACK;
