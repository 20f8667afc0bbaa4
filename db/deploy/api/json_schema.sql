-- Deploy ai-orchestrator:api/json_schema
-- requires: data/json_schema api/tools roles_rbac
-- JSON Schema draft 2020-12 for DBAs and HTTP callers: validate a value against a schema or a
-- tool's schema, check a schema.
BEGIN;
SET LOCAL ROLE aio_owner;

CREATE FUNCTION api.json_schema_validate(schema jsonb, instance jsonb)
RETURNS TABLE (instance_location text, schema_location text, message text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
    ctx jsonb;
BEGIN
    IF schema IS NULL OR pg_catalog.jsonb_typeof(schema) NOT IN ('object', 'boolean') THEN
        RAISE EXCEPTION 'schema: a JSON Schema is an object or a boolean, got %', coalesce(pg_catalog.jsonb_typeof(schema), 'nothing')
            USING ERRCODE = 'invalid_parameter_value', COLUMN = 'schema';
    END IF;
    ctx := orchestrator.json_schema_compile(schema);
    -- Most values are valid: the boolean form answers them; the errors are collected only for the rest.
    -- SQL NULL is JSON null: over HTTP, {"instance": null} arrives as NULL.
    IF NOT orchestrator.json_schema_is_valid(ctx, coalesce(instance, 'null')) THEN
        RETURN QUERY SELECT * FROM orchestrator.json_schema_errors(ctx, coalesce(instance, 'null'));
    END IF;
END
$$;
REVOKE ALL ON FUNCTION api.json_schema_validate(jsonb, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.json_schema_validate(jsonb, jsonb) TO aio_reader, aio_node;
COMMENT ON FUNCTION api.json_schema_validate(jsonb, jsonb) IS
'Validates instance against a JSON Schema (draft 2020-12): one row per error, no rows when valid.
instance NULL is validated as JSON null. Each error: instance_location (JSON Pointer of the value, '''' for the whole instance), schema_location (the keyword path that failed, through "$ref"), message. Supported: the applicator, unevaluated and validation vocabularies, "$ref"/"$defs"/"$anchor"/"$dynamicRef" inside the schema and to the bundled 2020-12 meta-schemas; "format" and meta-data are annotations. Patterns are ECMA-262 read as PostgreSQL regular expressions (\d \w \s "." \b translated). Numbers compare as JSON numbers (1.0 is an integer). Check a schema first with api.json_schema_check.
Example: SELECT * FROM api.json_schema_validate(schema => ''{"type": "object", "required": ["name"], "properties": {"name": {"type": "string", "maxLength": 3}}}'', instance => ''{"name": "abcd"}'');
Errors: 22023 schema not an object or boolean, a subschema that is neither, a "$ref" that does not resolve, evaluation deeper than 250 schemas (a $ref cycle, a value nested too deep), a schema nested deeper than 400 levels; 2201B a pattern outside the common dialect.
Route: POST /json-schema/validate -> 200 (against a registered tool''s schema: POST /tools/{tool_id}/validate)';

CREATE FUNCTION api.json_schema_check(schema jsonb)
RETURNS TABLE (pointer text, problem text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
BEGIN
    IF schema IS NULL OR pg_catalog.jsonb_typeof(schema) NOT IN ('object', 'boolean') THEN
        RAISE EXCEPTION 'schema: a JSON Schema is an object or a boolean, got %', coalesce(pg_catalog.jsonb_typeof(schema), 'nothing')
            USING ERRCODE = 'invalid_parameter_value', COLUMN = 'schema';
    END IF;
    RETURN QUERY SELECT * FROM orchestrator.json_schema_problems(schema);
END
$$;
REVOKE ALL ON FUNCTION api.json_schema_check(jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.json_schema_check(jsonb) TO aio_reader, aio_node;
COMMENT ON FUNCTION api.json_schema_check(jsonb) IS
'Checks that schema is fit for a tool: one row per problem, each at a JSON Pointer into the schema; no rows when fit.
Problems: not a valid draft 2020-12 schema (against the bundled meta-schema), a keyword outside the supported vocabularies (unknown keywords are never silently ignored), a "$ref" or "$dynamicRef" that does not resolve inside the schema or to a 2020-12 meta-schema, a pattern outside the regular expressions ECMA-262 and PostgreSQL read alike.
Example: SELECT * FROM api.json_schema_check(schema => ''{"type": "strnig", "properties": {"id": {"$ref": "#/$defs/id"}}}'');
Errors: 22023 schema not an object or boolean, a schema nested deeper than 400 levels, or too deep for the meta-schema check (250 evaluations).
Route: POST /json-schema/check -> 200 (the check a tool''s schemas pass at registration)';

CREATE FUNCTION api.tool_validate(tool_id uuid, input jsonb DEFAULT NULL, output jsonb DEFAULT NULL,
                                  OUT valid boolean, OUT errors jsonb)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
    schema jsonb;
    ctx jsonb;
BEGIN
    IF (input IS NULL) = (output IS NULL) THEN
        RAISE EXCEPTION 'input: give exactly one of input (checked against the input_schema) or output (the output_schema), got %',
            CASE WHEN input IS NULL THEN 'neither' ELSE 'both' END
            USING ERRCODE = 'invalid_parameter_value', COLUMN = 'input';
    END IF;
    SELECT CASE WHEN input IS NULL THEN t.output_schema ELSE t.input_schema END INTO schema
    FROM orchestrator.tools t WHERE t.tool_id = tool_validate.tool_id;
    IF NOT FOUND THEN
        PERFORM orchestrator.tool_not_found(tool_validate.tool_id);
    END IF;
    -- Not cached: a tool's schema is compiled on each call, so an update of the tool is seen at once.
    ctx := orchestrator.json_schema_compile(schema);
    -- The boolean form answers valid values; the errors are collected only for the others.
    valid := orchestrator.json_schema_is_valid(ctx, coalesce(input, output));
    errors := CASE WHEN valid THEN '[]'::jsonb
                   ELSE (SELECT pg_catalog.jsonb_agg(pg_catalog.to_jsonb(e)) FROM orchestrator.json_schema_errors(ctx, coalesce(input, output)) e) END;
END
$$;
REVOKE ALL ON FUNCTION api.tool_validate(uuid, jsonb, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.tool_validate(uuid, jsonb, jsonb) TO aio_reader, aio_node;
COMMENT ON FUNCTION api.tool_validate(uuid, jsonb, jsonb) IS
'Validates a value against a tool''s input_schema (input) or output_schema (output): valid, and errors, [] when valid, else each {instance_location, schema_location, message} as api.json_schema_validate gives them.
Give exactly one of input and output; a JSON null cannot be validated this way (it reads as not given): use api.json_schema_validate.
Example: SELECT * FROM api.tool_validate(tool_id => ''0b6e3c52-3f0a-4d52-9c55-0d5e0c7c1a11'', input => ''{"text": 42}'');
Errors: P0002 no tool has this id; 22023 both or neither of input and output given; 22023 or 2201B a schema stored before the registration check that cannot be evaluated (see the data integrity check tools_with_invalid_schemas); 22P02 tool_id not a UUID.
Route: POST /tools/{tool_id}/validate -> 200';

COMMIT;
