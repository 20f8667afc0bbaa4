-- Deploy ai-orchestrator:data/api_keys
-- requires: roles_rbac data/nodes
BEGIN;
SET LOCAL ROLE aio_owner;

CREATE TABLE orchestrator.api_keys (
    key_id       uuid        NOT NULL DEFAULT pg_catalog.gen_random_uuid(),
    label        text        NOT NULL,
    role         text        NOT NULL,
    node_id      uuid,
    key_hash     bytea       NOT NULL,
    key_prefix   text        NOT NULL,
    expires_at   timestamptz,
    revoked_at   timestamptz,
    last_used_at timestamptz,
    created_by   text        NOT NULL DEFAULT CURRENT_USER,
    created_at   timestamptz NOT NULL DEFAULT pg_catalog.now(),
    updated_at   timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT api_keys_pkey PRIMARY KEY (key_id),
    CONSTRAINT api_keys_key_hash_key UNIQUE (key_hash),
    CONSTRAINT api_keys_node_id_fkey FOREIGN KEY (node_id) REFERENCES orchestrator.nodes (node_id) ON DELETE CASCADE,
    CONSTRAINT api_keys_label_format CHECK (label ~ '\S' AND length(label) <= 200),
    CONSTRAINT api_keys_role_valid CHECK (role IN ('reader', 'writer', 'admin', 'node')),
    CONSTRAINT api_keys_node_only_for_node_role CHECK ((role = 'node') = (node_id IS NOT NULL))
);
COMMENT ON TABLE orchestrator.api_keys IS
'API keys: only a SHA-256 hash of each key is kept (the key is shown once, at creation). Each key acts as one role.';
COMMENT ON COLUMN orchestrator.api_keys.key_hash IS 'sha256 of the whole key; keys are 256-bit random, so a fast hash is enough.';
COMMENT ON COLUMN orchestrator.api_keys.key_prefix IS 'The first characters of the key, to recognise it in lists and logs.';
COMMENT ON CONSTRAINT api_keys_node_id_fkey ON orchestrator.api_keys IS 'node_id: no node has this id';
COMMENT ON CONSTRAINT api_keys_label_format ON orchestrator.api_keys IS 'label: must be 1 to 200 characters and not blank';
COMMENT ON CONSTRAINT api_keys_role_valid ON orchestrator.api_keys IS 'role: must be one of reader, writer, admin, node';
COMMENT ON CONSTRAINT api_keys_node_only_for_node_role ON orchestrator.api_keys IS 'node_id: required for a node key, and only for a node key';

CREATE INDEX api_keys_node_idx ON orchestrator.api_keys (node_id) WHERE node_id IS NOT NULL;
CREATE INDEX api_keys_created_idx ON orchestrator.api_keys (created_at, key_id);

CREATE TRIGGER api_keys_touch_updated_at BEFORE UPDATE ON orchestrator.api_keys
    FOR EACH ROW EXECUTE FUNCTION orchestrator.touch_updated_at();

-- Settings an admin may tune, read by the functions that need them.
CREATE TABLE orchestrator.settings (
    name        text        NOT NULL,
    value       text        NOT NULL,
    description text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    updated_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT settings_pkey PRIMARY KEY (name)
);
COMMENT ON TABLE orchestrator.settings IS 'Tunable settings (name, value), changed by a DBA with UPDATE.';
INSERT INTO orchestrator.settings (name, value, description) VALUES
    ('audit_retention_days', '90', 'audit rows older than this many days go when api.audit_purge() runs'),
    ('statement_timeout.reader', '5s', 'statement timeout of requests made as aio_reader'),
    ('statement_timeout.writer', '10s', 'statement timeout of requests made as aio_writer'),
    ('statement_timeout.admin', '120s', 'statement timeout of requests made as aio_admin (maintenance runs long)'),
    ('statement_timeout.node', '5s', 'statement timeout of requests made as aio_node'),
    ('statement_timeout.anon', '2s', 'statement timeout of unauthenticated requests');
CREATE TRIGGER settings_touch_updated_at BEFORE UPDATE ON orchestrator.settings
    FOR EACH ROW EXECUTE FUNCTION orchestrator.touch_updated_at();

COMMIT;
