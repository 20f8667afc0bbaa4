-- Revert ai-orchestrator:api/tools to v1.1.0: tool_out a SQL function, as released.
BEGIN;
SET LOCAL ROLE aio_owner;

CREATE OR REPLACE FUNCTION orchestrator.tool_out(t orchestrator.tools) RETURNS api.tool
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT ROW(t.tool_id, t.name, t.version, t.description, t.category, t.input_schema, t.output_schema,
               t.target_node_id, t.status, t.metadata,
               ARRAY(SELECT g.tag::text FROM orchestrator.tool_tags g WHERE g.tool_id = t.tool_id ORDER BY g.tag),
               t.created_at, t.updated_at, t.revision)::api.tool
$$;

COMMIT;
