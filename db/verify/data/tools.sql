-- Verify ai-orchestrator:data/tools
SELECT tool_id, name, version, version_key, description, category, input_schema, output_schema,
       target_node_id, status, metadata, created_at, updated_at
FROM orchestrator.tools WHERE false;
