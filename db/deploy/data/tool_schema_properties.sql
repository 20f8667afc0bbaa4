-- Deploy ai-orchestrator:data/tool_schema_properties
-- requires: data/tools
-- Lets "which tools declare property X" use an index: jsonb_path_ops cannot index {"properties": {"x": {}}}.
BEGIN;
SET LOCAL ROLE aio_owner;

CREATE FUNCTION orchestrator.schema_properties(json_schema jsonb) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
    SELECT coalesce(pg_catalog.array_agg(k ORDER BY k), '{}')
    FROM pg_catalog.jsonb_object_keys(
        CASE WHEN pg_catalog.jsonb_typeof(json_schema->'properties') = 'object' THEN json_schema->'properties' ELSE '{}' END) k
$$;
COMMENT ON FUNCTION orchestrator.schema_properties(jsonb) IS
'The property names a JSON Schema declares at its top level (keys of "properties"), sorted.';

CREATE INDEX tools_input_properties_idx ON orchestrator.tools USING gin (orchestrator.schema_properties(input_schema));
CREATE INDEX tools_output_properties_idx ON orchestrator.tools USING gin (orchestrator.schema_properties(output_schema));

COMMIT;
