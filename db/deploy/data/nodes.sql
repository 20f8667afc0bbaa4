-- Deploy ai-orchestrator:data/nodes
-- requires: data/helpers
BEGIN;
SET LOCAL ROLE aio_owner;

CREATE FUNCTION orchestrator.node_statuses() RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT '{ACTIVE,INACTIVE,MAINTENANCE,ERROR}'::text[] $$;
COMMENT ON FUNCTION orchestrator.node_statuses() IS 'The statuses a node may have; used by the CHECK and by list filters.';

CREATE TABLE orchestrator.nodes (
    node_id           uuid        NOT NULL DEFAULT pg_catalog.gen_random_uuid(),
    name              text,
    node_type         text        NOT NULL,
    address           text        NOT NULL,
    status            text        NOT NULL DEFAULT 'ACTIVE',
    labels            jsonb       NOT NULL DEFAULT '{}',
    metadata          jsonb       NOT NULL DEFAULT '{}',
    created_at        timestamptz NOT NULL DEFAULT pg_catalog.now(),
    updated_at        timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT nodes_pkey PRIMARY KEY (node_id),
    CONSTRAINT nodes_name_key UNIQUE (name),
    CONSTRAINT nodes_name_format CHECK (name ~ '^\S(.*\S)?$' AND length(name) <= 128),
    CONSTRAINT nodes_node_type_format CHECK (node_type ~ '^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$' AND length(node_type) <= 64),
    CONSTRAINT nodes_address_format CHECK (address ~ '^(https?|grpc)://[^\s/?#]+(:[0-9]{1,5})?([/?#]\S*)?$' AND length(address) <= 2048),
    CONSTRAINT nodes_status_valid CHECK (status = ANY (orchestrator.node_statuses())),
    CONSTRAINT nodes_labels_format CHECK (jsonb_typeof(labels) = 'object'
        AND NOT jsonb_path_exists(labels, '$.* ? (@.type() != "string")')),
    CONSTRAINT nodes_metadata_format CHECK (jsonb_typeof(metadata) = 'object')
);

COMMENT ON TABLE orchestrator.nodes IS 'Worker machines that execute tools.';
COMMENT ON COLUMN orchestrator.nodes.node_type IS 'UPPER_SNAKE identifier, e.g. TOOL_EXECUTOR.';
COMMENT ON COLUMN orchestrator.nodes.address IS 'Where the node is reached: an http, https or grpc URL.';
COMMENT ON COLUMN orchestrator.nodes.labels IS 'JSON object of string values, for selection (like Kubernetes labels).';
COMMENT ON CONSTRAINT nodes_name_key ON orchestrator.nodes IS 'name: a node with this name already exists';
COMMENT ON CONSTRAINT nodes_name_format ON orchestrator.nodes IS 'name: must be 1 to 128 characters without leading or trailing spaces';
COMMENT ON CONSTRAINT nodes_node_type_format ON orchestrator.nodes IS 'node_type: must be an UPPER_SNAKE identifier of at most 64 characters, e.g. TOOL_EXECUTOR';
COMMENT ON CONSTRAINT nodes_address_format ON orchestrator.nodes IS 'address: must be an http://, https:// or grpc:// URL with a host';
COMMENT ON CONSTRAINT nodes_status_valid ON orchestrator.nodes IS 'status: must be one of ACTIVE, INACTIVE, MAINTENANCE, ERROR';
COMMENT ON CONSTRAINT nodes_labels_format ON orchestrator.nodes IS 'labels: must be a JSON object whose values are all strings';
COMMENT ON CONSTRAINT nodes_metadata_format ON orchestrator.nodes IS 'metadata: must be a JSON object';

-- Keyset order of every node list is (created_at, node_id); filters lead the index.
CREATE INDEX nodes_created_idx ON orchestrator.nodes (created_at, node_id);
CREATE INDEX nodes_type_created_idx ON orchestrator.nodes (node_type, created_at, node_id);
CREATE INDEX nodes_status_created_idx ON orchestrator.nodes (status, created_at, node_id);
CREATE INDEX nodes_labels_idx ON orchestrator.nodes USING gin (labels jsonb_path_ops);
CREATE INDEX nodes_metadata_idx ON orchestrator.nodes USING gin (metadata jsonb_path_ops);

CREATE TRIGGER nodes_touch_updated_at BEFORE UPDATE ON orchestrator.nodes
    FOR EACH ROW EXECUTE FUNCTION orchestrator.touch_updated_at();

COMMIT;
