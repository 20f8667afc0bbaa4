-- Deploy ai-orchestrator:data/tool_deactivations
-- requires: data/tools
BEGIN;
SET LOCAL ROLE aio_owner;

-- Which tools the node rule deactivated, and why: only these may it re-activate.
CREATE TABLE orchestrator.tool_deactivations (
    tool_id        uuid        NOT NULL,
    reason         text        NOT NULL,
    node_id        uuid,
    deactivated_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    created_at     timestamptz NOT NULL DEFAULT pg_catalog.now(),
    updated_at     timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT tool_deactivations_pkey PRIMARY KEY (tool_id),
    CONSTRAINT tool_deactivations_tool_id_fkey FOREIGN KEY (tool_id)
        REFERENCES orchestrator.tools (tool_id) ON DELETE CASCADE
);
COMMENT ON TABLE orchestrator.tool_deactivations IS
'Tools made INACTIVE by api.maintenance_update_tool_status because of their node, with the reason; the rule re-activates only these.';
COMMENT ON CONSTRAINT tool_deactivations_tool_id_fkey ON orchestrator.tool_deactivations IS 'tool_id: no tool has this id';

CREATE TRIGGER tool_deactivations_touch_updated_at BEFORE UPDATE ON orchestrator.tool_deactivations
    FOR EACH ROW EXECUTE FUNCTION orchestrator.touch_updated_at();

COMMIT;
