-- Deploy ai-orchestrator:data/node_agents
-- requires: data/nodes
BEGIN;
SET LOCAL ROLE aio_owner;

-- Several agent processes may serve one node (on several hosts, or an old and a new one during a
-- restart). Each beats under its name, and the attempts it claims live on its own beats: a dead
-- agent's work ends when its lease does, whoever else keeps the node beating. Narrow rows with
-- half-empty pages, as node_heartbeats: a beat is a HOT update.
CREATE TABLE orchestrator.node_agents (
    node_id           uuid        NOT NULL,
    agent             text        NOT NULL,
    last_heartbeat_at timestamptz NOT NULL,
    CONSTRAINT node_agents_pkey PRIMARY KEY (node_id, agent),
    CONSTRAINT node_agents_node_id_fkey FOREIGN KEY (node_id)
        REFERENCES orchestrator.nodes (node_id) ON DELETE CASCADE,
    CONSTRAINT node_agents_agent_length CHECK (length(agent) BETWEEN 1 AND 200)
) WITH (fillfactor = 50);

COMMENT ON TABLE orchestrator.node_agents IS
'The last heartbeat of each named agent process of a node (api.node_heartbeat''s agent); the leases of the attempts an agent claimed end lease after its last beat. A row not renewed for a day is deleted by the next beat of its node.';
COMMENT ON COLUMN orchestrator.node_agents.agent IS 'The agent''s name (the reference agent: its host name, or --name).';
COMMENT ON COLUMN orchestrator.node_agents.last_heartbeat_at IS 'When this agent last beat for the node.';
COMMENT ON CONSTRAINT node_agents_node_id_fkey ON orchestrator.node_agents IS 'node_id: no node has this id';
COMMENT ON CONSTRAINT node_agents_agent_length ON orchestrator.node_agents IS 'agent: must be 1 to 200 characters';

COMMIT;
