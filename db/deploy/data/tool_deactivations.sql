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

-- Any change of a tool's status takes it out of the rule's hands at once: an operator who switches
-- a deactivated tool on and off again by hand has made it a hand-set INACTIVE tool. The rule itself
-- records its deactivations after its own UPDATE, so this only ever removes records gone stale.
-- It runs as the caller, without a pinned search_path (every name is qualified): a function with
-- its own search_path saves and restores settings on every call.
CREATE FUNCTION orchestrator.forget_tool_deactivation() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM orchestrator.tool_deactivations d WHERE d.tool_id = NEW.tool_id;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION orchestrator.forget_tool_deactivation() IS
'Trigger on tools: a tool whose status changes is no longer one the node rule deactivated, so the rule will not re-activate it.';

CREATE TRIGGER tools_forget_deactivation AFTER UPDATE OF status ON orchestrator.tools
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION orchestrator.forget_tool_deactivation();

COMMIT;
