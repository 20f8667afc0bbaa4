-- Deploy ai-orchestrator:data/artifacts
-- requires: data/tools
BEGIN;
SET LOCAL ROLE aio_owner;

CREATE TABLE orchestrator.artifacts (
    artifact_id     uuid        NOT NULL DEFAULT pg_catalog.gen_random_uuid(),
    tool_id         uuid,
    node_id         uuid,
    name            text        NOT NULL,
    uri             text        NOT NULL,
    mime_type       text        NOT NULL DEFAULT 'application/octet-stream',
    size_bytes      bigint      NOT NULL DEFAULT 0,
    checksum_sha256 text,
    metadata        jsonb       NOT NULL DEFAULT '{}',
    created_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    updated_at      timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT artifacts_pkey PRIMARY KEY (artifact_id),
    -- SET NULL: deleting a tool leaves its artifacts as orphans for the cleanup job
    CONSTRAINT artifacts_tool_id_fkey FOREIGN KEY (tool_id)
        REFERENCES orchestrator.tools (tool_id) ON DELETE SET NULL,
    CONSTRAINT artifacts_node_id_fkey FOREIGN KEY (node_id)
        REFERENCES orchestrator.nodes (node_id) ON DELETE SET NULL,
    CONSTRAINT artifacts_name_format CHECK (name ~ '\S' AND length(name) <= 512),
    CONSTRAINT artifacts_uri_format CHECK (uri ~ '^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$' AND length(uri) <= 4096),
    CONSTRAINT artifacts_mime_type_format CHECK (mime_type ~ '^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*$' AND length(mime_type) <= 255),
    CONSTRAINT artifacts_size_bytes_nonnegative CHECK (size_bytes >= 0),
    CONSTRAINT artifacts_checksum_sha256_format CHECK (checksum_sha256 ~ '^[0-9a-f]{64}$'),
    CONSTRAINT artifacts_metadata_format CHECK (jsonb_typeof(metadata) = 'object')
);

COMMENT ON TABLE orchestrator.artifacts IS 'Metadata of files produced by tools; the files themselves live at uri.';
COMMENT ON COLUMN orchestrator.artifacts.tool_id IS 'The producing tool; NULL once that tool is deleted (an orphaned artifact).';
COMMENT ON CONSTRAINT artifacts_tool_id_fkey ON orchestrator.artifacts IS 'tool_id: no tool has this id';
COMMENT ON CONSTRAINT artifacts_node_id_fkey ON orchestrator.artifacts IS 'node_id: no node has this id';
COMMENT ON CONSTRAINT artifacts_name_format ON orchestrator.artifacts IS 'name: must be 1 to 512 characters and not blank';
COMMENT ON CONSTRAINT artifacts_uri_format ON orchestrator.artifacts IS 'uri: must be an absolute URI with a scheme, e.g. s3://bucket/key, of at most 4096 characters';
COMMENT ON CONSTRAINT artifacts_mime_type_format ON orchestrator.artifacts IS 'mime_type: must be a lower-case type/subtype such as application/json';
COMMENT ON CONSTRAINT artifacts_size_bytes_nonnegative ON orchestrator.artifacts IS 'size_bytes: must be 0 or more';
COMMENT ON CONSTRAINT artifacts_checksum_sha256_format ON orchestrator.artifacts IS 'checksum_sha256: must be 64 lower-case hexadecimal characters';
COMMENT ON CONSTRAINT artifacts_metadata_format ON orchestrator.artifacts IS 'metadata: must be a JSON object';

-- Artifact lists are newest first, (created_at DESC, artifact_id DESC); btrees scan both ways.
CREATE INDEX artifacts_created_idx ON orchestrator.artifacts (created_at, artifact_id);
CREATE INDEX artifacts_tool_created_idx ON orchestrator.artifacts (tool_id, created_at, artifact_id);
CREATE INDEX artifacts_node_created_idx ON orchestrator.artifacts (node_id, created_at, artifact_id);
CREATE INDEX artifacts_mime_created_idx ON orchestrator.artifacts (mime_type, created_at, artifact_id);
CREATE INDEX artifacts_size_idx ON orchestrator.artifacts (size_bytes, artifact_id);
CREATE INDEX artifacts_checksum_idx ON orchestrator.artifacts (checksum_sha256) WHERE checksum_sha256 IS NOT NULL;
CREATE INDEX artifacts_metadata_idx ON orchestrator.artifacts USING gin (metadata jsonb_path_ops);

CREATE TRIGGER artifacts_touch_updated_at BEFORE UPDATE ON orchestrator.artifacts
    FOR EACH ROW EXECUTE FUNCTION orchestrator.touch_updated_at();

COMMIT;
