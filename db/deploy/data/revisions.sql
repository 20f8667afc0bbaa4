-- Deploy ai-orchestrator:data/revisions
-- requires: data/nodes data/tools data/tool_tags data/artifacts
-- Optimistic concurrency: every node, tool and artifact carries a revision that each change
-- raises by one. GET returns it as the ETag; PUT and DELETE may demand it (If-Match).
BEGIN;
SET LOCAL ROLE aio_owner;
SET LOCAL lock_timeout = '2s';

ALTER TABLE orchestrator.nodes ADD COLUMN revision bigint NOT NULL DEFAULT 1;
ALTER TABLE orchestrator.tools ADD COLUMN revision bigint NOT NULL DEFAULT 1;
ALTER TABLE orchestrator.artifacts ADD COLUMN revision bigint NOT NULL DEFAULT 1;
COMMENT ON COLUMN orchestrator.nodes.revision IS 'Raised by one on every change; the ETag of the node.';
COMMENT ON COLUMN orchestrator.tools.revision IS 'Raised by one on every change, tags included; the ETag of the tool.';
COMMENT ON COLUMN orchestrator.artifacts.revision IS 'Raised by one on every change; the ETag of the artifact.';

CREATE FUNCTION orchestrator.bump_revision() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.revision := OLD.revision + 1;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION orchestrator.bump_revision() IS 'Trigger: raises revision by one on every UPDATE.';

CREATE TRIGGER nodes_bump_revision BEFORE UPDATE ON orchestrator.nodes
    FOR EACH ROW EXECUTE FUNCTION orchestrator.bump_revision();
CREATE TRIGGER tools_bump_revision BEFORE UPDATE ON orchestrator.tools
    FOR EACH ROW EXECUTE FUNCTION orchestrator.bump_revision();
CREATE TRIGGER artifacts_bump_revision BEFORE UPDATE ON orchestrator.artifacts
    FOR EACH ROW EXECUTE FUNCTION orchestrator.bump_revision();


-- Called when an update or delete with an expected revision touched no row: if the row is
-- there at another revision, that is a failed precondition (HTTP 412), not a missing row.
CREATE FUNCTION orchestrator.revision_mismatch(entity text, current_revision bigint, expected_revision bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF current_revision IS NOT NULL AND expected_revision IS NOT NULL THEN
        RAISE EXCEPTION 'expected_revision: the % is at revision %, not %', entity, current_revision, expected_revision
            USING ERRCODE = 'PT412', COLUMN = 'expected_revision',
                  HINT = 'Someone changed it since you read it: read it again (its ETag) and retry.';
    END IF;
END
$$;
COMMENT ON FUNCTION orchestrator.revision_mismatch(text, bigint, bigint) IS
'Raises PT412 (precondition failed) when a row is at another revision than the one expected.';

COMMIT;
