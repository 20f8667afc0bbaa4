-- Deploy ai-orchestrator:data/json_schema_compiled
-- requires: data/json_schema
-- Compiled schemas kept by content. Compiling a realistic tool schema costs about 650 µs and
-- validating against it about 40 µs: a write that validates against a tool's schema on every call
-- (an invocation's input and output) compiles each distinct schema once.
BEGIN;
SET LOCAL ROLE aio_owner;

CREATE TABLE orchestrator.json_schemas_compiled (
    schema_sha256 bytea       NOT NULL,
    ctx           jsonb       NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT json_schemas_compiled_pkey PRIMARY KEY (schema_sha256)
);
COMMENT ON TABLE orchestrator.json_schemas_compiled IS
'orchestrator.json_schema_compile(schema) by SHA-256 of the schema''s canonical jsonb text; filled by orchestrator.json_schema_compiled on first use. Rows are never wrong, only possibly unused: deleting any of them is safe.';

CREATE FUNCTION orchestrator.json_schema_compiled(schema jsonb) RETURNS jsonb
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    key CONSTANT bytea := pg_catalog.sha256(pg_catalog.convert_to(json_schema_compiled.schema::text, 'UTF8'));
    compiled jsonb;
BEGIN
    SELECT c.ctx INTO compiled FROM orchestrator.json_schemas_compiled c WHERE c.schema_sha256 = key;
    IF compiled IS NULL THEN
        compiled := orchestrator.json_schema_compile(json_schema_compiled.schema);
        INSERT INTO orchestrator.json_schemas_compiled (schema_sha256, ctx) VALUES (key, compiled)
        ON CONFLICT (schema_sha256) DO NOTHING;
    END IF;
    RETURN compiled;
END
$$;
COMMENT ON FUNCTION orchestrator.json_schema_compiled(jsonb) IS
'orchestrator.json_schema_compile(schema), compiled once per distinct schema and kept in orchestrator.json_schemas_compiled. For writes: the first call with a schema stores it.
Example: SELECT orchestrator.json_schema_is_valid(orchestrator.json_schema_compiled(''{"type": "integer"}''), ''1'');';

COMMIT;
