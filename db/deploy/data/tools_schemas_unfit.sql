-- Deploy ai-orchestrator:data/tools_schemas_unfit
-- requires: data/tools_schema_check
-- The tools stored before the registration check (data/tools_schema_check) whose schemas it
-- refuses. They are found once, here, so the data integrity check reads this short list instead of
-- checking every stored schema on every call; tools written since are held to the check itself.
BEGIN;
SET LOCAL ROLE aio_owner;
SET LOCAL lock_timeout = '2s';

-- True when both schemas pass the registration check. A schema too deep to check is unfit.
CREATE FUNCTION orchestrator.tool_schemas_fit(input_schema jsonb, output_schema jsonb) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN NOT EXISTS (SELECT FROM orchestrator.json_schema_problems(tool_schemas_fit.input_schema))
       AND NOT EXISTS (SELECT FROM orchestrator.json_schema_problems(tool_schemas_fit.output_schema));
EXCEPTION WHEN invalid_parameter_value THEN
    RETURN false;
END
$$;
COMMENT ON FUNCTION orchestrator.tool_schemas_fit(jsonb, jsonb) IS
'Whether a tool''s input and output schemas both pass the registration check (orchestrator.json_schema_problems); false for a schema too deep to check.';

CREATE TABLE orchestrator.tools_schemas_unfit (
    tool_id uuid NOT NULL,
    CONSTRAINT tools_schemas_unfit_pkey PRIMARY KEY (tool_id),
    CONSTRAINT tools_schemas_unfit_tool_id_fkey FOREIGN KEY (tool_id)
        REFERENCES orchestrator.tools (tool_id) ON DELETE CASCADE
);
COMMENT ON TABLE orchestrator.tools_schemas_unfit IS
'Tools stored before the registration check whose input or output schema it refused when this table was made. Read by the data integrity check (tools_with_invalid_schemas), which checks them again: a tool fixed since counts no more.';

-- Each distinct pair of schemas is checked once (tools loaded in bulk share a few), then matched
-- to the tools by hash.
INSERT INTO orchestrator.tools_schemas_unfit (tool_id)
WITH pairs AS MATERIALIZED (
    SELECT DISTINCT t.input_schema, t.output_schema FROM orchestrator.tools t
    WHERE t.input_schema <> '{}' OR t.output_schema <> '{}'
), unfit AS MATERIALIZED (
    SELECT p.input_schema, p.output_schema FROM pairs p
    WHERE NOT orchestrator.tool_schemas_fit(p.input_schema, p.output_schema)
)
SELECT t.tool_id
FROM orchestrator.tools t
JOIN unfit u ON u.input_schema = t.input_schema AND u.output_schema = t.output_schema;

COMMIT;
