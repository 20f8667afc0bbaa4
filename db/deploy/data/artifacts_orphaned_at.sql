-- Deploy ai-orchestrator:data/artifacts_orphaned_at
-- requires: data/artifacts
-- An artifact recorded without a tool and one whose tool was deleted both have tool_id NULL; only
-- the second is an orphan, for the cleanup to take. The foreign key's ON DELETE SET NULL is the one
-- writer that detaches an artifact from its tool (no api function changes tool_id, and
-- api.tool_delete refuses a tool with artifacts): it happens when a DBA deletes a tool in psql.
-- Artifacts already without a tool stay unmarked: nothing tells which kind they are.
BEGIN;
SET LOCAL ROLE aio_owner;
SET LOCAL lock_timeout = '5s';

ALTER TABLE orchestrator.artifacts ADD COLUMN orphaned_at timestamptz;
COMMENT ON COLUMN orchestrator.artifacts.orphaned_at IS
    'When the artifact lost its tool (the tool was deleted); NULL for an artifact that has its tool or never had one.';

CREATE FUNCTION orchestrator.mark_orphaned() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.orphaned_at := pg_catalog.now();
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION orchestrator.mark_orphaned() IS
'Trigger: stamps orphaned_at when an artifact''s tool_id goes from a tool to NULL (its tool was deleted).';
CREATE TRIGGER artifacts_mark_orphaned BEFORE UPDATE OF tool_id ON orchestrator.artifacts
    FOR EACH ROW WHEN (OLD.tool_id IS NOT NULL AND NEW.tool_id IS NULL)
    EXECUTE FUNCTION orchestrator.mark_orphaned();

COMMIT;
