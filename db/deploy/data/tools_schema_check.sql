-- Deploy ai-orchestrator:data/tools_schema_check
-- requires: data/tools data/json_schema
-- A tool's input_schema and output_schema must be fit for validation (orchestrator.json_schema_problems:
-- a valid draft 2020-12 schema, supported keywords only, references that resolve, patterns of the
-- common dialect). Checked here, on the table, so that every writer is held to it: api.tool_create,
-- api.tool_update, psql. Statement triggers see each distinct schema of a statement once (a bulk
-- load of 100,000 tools shares a few dozen schemas), and only values a statement writes or
-- changes: rows stored before this change are left alone, and reported by the data integrity check.
BEGIN;
SET LOCAL ROLE aio_owner;
SET LOCAL lock_timeout = '2s';

CREATE FUNCTION orchestrator.tools_schema_check() RETURNS trigger
LANGUAGE plpgsql AS $$
-- the transition tables of its triggers, for plpgsql_check:
-- @plpgsql_check_options: oldtable = old_rows, newtable = new_rows
DECLARE
    written jsonb;  -- [[field, schema]]: each distinct schema the statement wrote
    w jsonb;
    pointer text; problem text; problems bigint;
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT pg_catalog.jsonb_agg(DISTINCT pg_catalog.jsonb_build_array(c.field, c.schema)) INTO written
        FROM new_rows n, LATERAL (VALUES ('input_schema', n.input_schema), ('output_schema', n.output_schema)) c(field, schema)
        WHERE c.schema <> '{}';  -- the default, fit by definition
    ELSE
        SELECT pg_catalog.jsonb_agg(DISTINCT pg_catalog.jsonb_build_array(c.field, c.schema)) INTO written
        FROM new_rows n LEFT JOIN old_rows o ON o.tool_id = n.tool_id,
             LATERAL (VALUES ('input_schema', n.input_schema, o.input_schema),
                             ('output_schema', n.output_schema, o.output_schema)) c(field, schema, before)
        WHERE c.schema IS DISTINCT FROM c.before AND c.schema <> '{}';
    END IF;
    FOR w IN SELECT e FROM pg_catalog.jsonb_array_elements(written) e ORDER BY e->>0 LOOP
        BEGIN
            SELECT p.pointer, p.problem, pg_catalog.count(*) OVER () INTO pointer, problem, problems
            FROM orchestrator.json_schema_problems(w->1) p ORDER BY p.pointer LIMIT 1;
        EXCEPTION WHEN invalid_parameter_value THEN
            -- Too deep to check ("schema: nested deeper than 400 levels"): refused all the same, by field.
            GET STACKED DIAGNOSTICS problem = MESSAGE_TEXT;
            SELECT '', pg_catalog.regexp_replace(problem, '^schema: ', ''), 1 INTO pointer, problem, problems;
        END;
        IF problem IS NOT NULL THEN
            RAISE EXCEPTION USING ERRCODE = 'check_violation', COLUMN = w->>0, TABLE = TG_TABLE_NAME, SCHEMA = TG_TABLE_SCHEMA,
                MESSAGE = pg_catalog.format('%s: %s%s%s', w->>0, CASE WHEN pointer = '' THEN '' ELSE pointer || ': ' END, problem,
                    CASE WHEN problems > 1 THEN pg_catalog.format(' (and %s more: api.json_schema_check lists them)', problems - 1) ELSE '' END);
        END IF;
    END LOOP;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION orchestrator.tools_schema_check() IS
'Statement trigger: raises 23514 "<field>: <JSON Pointer>: <problem>" (COLUMN the field) when a statement writes an input_schema or output_schema that orchestrator.json_schema_problems finds unfit.';

-- The old table of an INSERT trigger cannot be named: two triggers, one function.
CREATE TRIGGER tools_schema_check_insert AFTER INSERT ON orchestrator.tools
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION orchestrator.tools_schema_check();
CREATE TRIGGER tools_schema_check_update AFTER UPDATE ON orchestrator.tools
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION orchestrator.tools_schema_check();

COMMIT;
