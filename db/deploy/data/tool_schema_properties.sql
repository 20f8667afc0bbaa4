-- Deploy ai-orchestrator:data/tool_schema_properties
-- requires: data/tools
-- Lets "which tools declare property X" use an index: jsonb_path_ops cannot index {"properties": {"x": {}}}.
-- The property names are stored generated columns: an expression index would make every row read
-- in list order a call of schema_properties() (about 20 us), a cost the planner cannot see; a
-- stored text[] costs about 1 us a row. Adding the columns rewrites tools once, at deploy.
BEGIN;
SET LOCAL ROLE aio_owner;
SET LOCAL lock_timeout = '2s';

CREATE FUNCTION orchestrator.schema_properties(json_schema jsonb) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
    SELECT coalesce(pg_catalog.array_agg(k ORDER BY k), '{}')
    FROM pg_catalog.jsonb_object_keys(
        CASE WHEN pg_catalog.jsonb_typeof(json_schema->'properties') = 'object' THEN json_schema->'properties' ELSE '{}' END) k
$$;
COMMENT ON FUNCTION orchestrator.schema_properties(jsonb) IS
'The property names a JSON Schema declares at its top level (keys of "properties"), sorted.';

-- Every name is a GIN entry, and an entry must fit in a third of a page (about 2.7 kB): a name
-- of a few kB would fail as "index row size exceeds maximum" (54000) instead of a check naming the field.
CREATE FUNCTION orchestrator.longest(names text[]) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
    SELECT coalesce(pg_catalog.max(pg_catalog.octet_length(n)), 0) FROM pg_catalog.unnest(names) n
$$;
COMMENT ON FUNCTION orchestrator.longest(text[]) IS 'The length in bytes of the longest element of an array of text (0 for none).';


-- A planned rewrite of tools (one row per tool version), said above; then two indexes built in it.
ALTER TABLE orchestrator.tools
    -- squawk-ignore adding-field-with-default
    ADD COLUMN input_properties text[] NOT NULL GENERATED ALWAYS AS (orchestrator.schema_properties(input_schema)) STORED,
    -- squawk-ignore adding-field-with-default
    ADD COLUMN output_properties text[] NOT NULL GENERATED ALWAYS AS (orchestrator.schema_properties(output_schema)) STORED,
    -- squawk-ignore constraint-missing-not-valid
    ADD CONSTRAINT tools_input_properties_length CHECK (orchestrator.longest(input_properties) <= 1024),
    -- squawk-ignore constraint-missing-not-valid
    ADD CONSTRAINT tools_output_properties_length CHECK (orchestrator.longest(output_properties) <= 1024);
COMMENT ON CONSTRAINT tools_input_properties_length ON orchestrator.tools IS
    'input_schema: a property name must be at most 1024 bytes';
COMMENT ON CONSTRAINT tools_output_properties_length ON orchestrator.tools IS
    'output_schema: a property name must be at most 1024 bytes';
COMMENT ON COLUMN orchestrator.tools.input_properties IS 'The property names the input schema declares at its top level (generated).';
COMMENT ON COLUMN orchestrator.tools.output_properties IS 'The property names the output schema declares at its top level (generated).';
-- squawk-ignore require-concurrent-index-creation
CREATE INDEX tools_input_properties_idx ON orchestrator.tools USING gin (input_properties);
-- squawk-ignore require-concurrent-index-creation
CREATE INDEX tools_output_properties_idx ON orchestrator.tools USING gin (output_properties);
ANALYZE orchestrator.tools;

COMMIT;
