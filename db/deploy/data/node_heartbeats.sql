-- Deploy ai-orchestrator:data/node_heartbeats
-- requires: data/nodes
BEGIN;
SET LOCAL ROLE aio_owner;

-- Heartbeats live apart from nodes, the way Kubernetes keeps node leases apart from node status:
-- a narrow row per node, no index but the primary key and half-empty pages, so that every beat
-- is a HOT update that touches no index and never locks or bloats the wide nodes rows.
CREATE TABLE orchestrator.node_heartbeats (
    node_id           uuid        NOT NULL,
    last_heartbeat_at timestamptz NOT NULL,
    load              jsonb       NOT NULL DEFAULT '{}',
    beat_count        bigint      NOT NULL DEFAULT 1,
    CONSTRAINT node_heartbeats_pkey PRIMARY KEY (node_id),
    CONSTRAINT node_heartbeats_node_id_fkey FOREIGN KEY (node_id)
        REFERENCES orchestrator.nodes (node_id) ON DELETE CASCADE,
    CONSTRAINT node_heartbeats_load_format CHECK (jsonb_typeof(load) = 'object' AND pg_column_size(load) <= 4096)
) WITH (fillfactor = 50);

COMMENT ON TABLE orchestrator.node_heartbeats IS 'The last heartbeat of each node (one narrow row per node that ever beat).';
COMMENT ON COLUMN orchestrator.node_heartbeats.last_heartbeat_at IS 'When the node last reported.';
COMMENT ON COLUMN orchestrator.node_heartbeats.load IS 'The load figures the node sent with its last beat (a small JSON object).';
COMMENT ON COLUMN orchestrator.node_heartbeats.beat_count IS 'How many beats the node has sent.';
COMMENT ON CONSTRAINT node_heartbeats_node_id_fkey ON orchestrator.node_heartbeats IS 'node_id: no node has this id';
COMMENT ON CONSTRAINT node_heartbeats_load_format ON orchestrator.node_heartbeats IS 'load: must be a JSON object of at most 4 kB';

COMMIT;
