-- Deploy ai-orchestrator:data/tools
-- requires: data/nodes
BEGIN;
SET LOCAL ROLE aio_owner;

CREATE FUNCTION orchestrator.tool_statuses() RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT '{ACTIVE,INACTIVE,DEPRECATED}'::text[] $$;
COMMENT ON FUNCTION orchestrator.tool_statuses() IS 'The statuses a tool may have; used by the CHECK and by list filters.';

CREATE TABLE orchestrator.tools (
    tool_id        uuid        NOT NULL DEFAULT pg_catalog.gen_random_uuid(),
    name           text        NOT NULL,
    version        text        NOT NULL,
    -- semver precedence as a byte-ordered key, so ORDER BY and indexes follow semver
    version_key    text COLLATE "C" GENERATED ALWAYS AS (orchestrator.semver_key(version)) STORED,
    description    text,
    category       text        NOT NULL,
    input_schema   jsonb       NOT NULL DEFAULT '{}',
    output_schema  jsonb       NOT NULL DEFAULT '{}',
    target_node_id uuid,
    status         text        NOT NULL DEFAULT 'ACTIVE',
    metadata       jsonb       NOT NULL DEFAULT '{}',
    created_at     timestamptz NOT NULL DEFAULT pg_catalog.now(),
    updated_at     timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT tools_pkey PRIMARY KEY (tool_id),
    CONSTRAINT tools_name_version_key UNIQUE (name, version),
    CONSTRAINT tools_target_node_id_fkey FOREIGN KEY (target_node_id)
        REFERENCES orchestrator.nodes (node_id) ON DELETE SET NULL,
    CONSTRAINT tools_name_format CHECK (name ~ '^[a-z][a-z0-9]*([_-][a-z0-9]+)*$' AND length(name) <= 128),
    CONSTRAINT tools_version_semver CHECK (version_key IS NOT NULL AND length(version) <= 256),
    CONSTRAINT tools_description_length CHECK (length(description) <= 10000),
    CONSTRAINT tools_category_format CHECK (category ~ '^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$' AND length(category) <= 64),
    CONSTRAINT tools_input_schema_object CHECK (jsonb_typeof(input_schema) = 'object'),
    CONSTRAINT tools_output_schema_object CHECK (jsonb_typeof(output_schema) = 'object'),
    CONSTRAINT tools_status_valid CHECK (status = ANY (orchestrator.tool_statuses())),
    CONSTRAINT tools_metadata_format CHECK (jsonb_typeof(metadata) = 'object')
);

COMMENT ON TABLE orchestrator.tools IS 'Versioned AI tools with JSON Schema input and output.';
COMMENT ON COLUMN orchestrator.tools.version IS 'Semantic Versioning 2.0.0; (name, version) is unique.';
COMMENT ON COLUMN orchestrator.tools.version_key IS 'Generated: semver precedence as a "C"-collated key; order by it, never by version.';
COMMENT ON COLUMN orchestrator.tools.target_node_id IS 'The node that runs this tool; NULL when none or when the node was deleted.';
COMMENT ON CONSTRAINT tools_name_version_key ON orchestrator.tools IS 'version: this tool name already has this version';
COMMENT ON CONSTRAINT tools_target_node_id_fkey ON orchestrator.tools IS 'target_node_id: no node has this id';
COMMENT ON CONSTRAINT tools_name_format ON orchestrator.tools IS 'name: must be a lower-case snake_case or kebab-case identifier of at most 128 characters, e.g. text-summarizer';
COMMENT ON CONSTRAINT tools_version_semver ON orchestrator.tools IS 'version: must be a Semantic Versioning 2.0.0 version such as 1.2.3 or 2.0.0-rc.1';
COMMENT ON CONSTRAINT tools_description_length ON orchestrator.tools IS 'description: must be at most 10000 characters';
COMMENT ON CONSTRAINT tools_category_format ON orchestrator.tools IS 'category: must be an UPPER_SNAKE identifier of at most 64 characters, e.g. ANALYSIS';
COMMENT ON CONSTRAINT tools_input_schema_object ON orchestrator.tools IS 'input_schema: must be a JSON object (a JSON Schema)';
COMMENT ON CONSTRAINT tools_output_schema_object ON orchestrator.tools IS 'output_schema: must be a JSON object (a JSON Schema)';
COMMENT ON CONSTRAINT tools_status_valid ON orchestrator.tools IS 'status: must be one of ACTIVE, INACTIVE, DEPRECATED';
COMMENT ON CONSTRAINT tools_metadata_format ON orchestrator.tools IS 'metadata: must be a JSON object';

-- Tool lists are ordered by (name, version_key DESC, tool_id); filters lead the index.
CREATE INDEX tools_name_version_idx ON orchestrator.tools (name, version_key DESC, tool_id);
CREATE INDEX tools_category_name_idx ON orchestrator.tools (category, name, version_key DESC, tool_id);
CREATE INDEX tools_status_name_idx ON orchestrator.tools (status, name, version_key DESC, tool_id);
CREATE INDEX tools_target_node_idx ON orchestrator.tools (target_node_id, name, version_key DESC, tool_id);
CREATE INDEX tools_created_idx ON orchestrator.tools (created_at);
CREATE INDEX tools_name_trgm_idx ON orchestrator.tools USING gin (name orchestrator.gin_trgm_ops);
CREATE INDEX tools_input_schema_idx ON orchestrator.tools USING gin (input_schema jsonb_path_ops);
CREATE INDEX tools_output_schema_idx ON orchestrator.tools USING gin (output_schema jsonb_path_ops);
CREATE INDEX tools_metadata_idx ON orchestrator.tools USING gin (metadata jsonb_path_ops);

CREATE TRIGGER tools_touch_updated_at BEFORE UPDATE ON orchestrator.tools
    FOR EACH ROW EXECUTE FUNCTION orchestrator.touch_updated_at();

COMMIT;
