-- Deploy ai-orchestrator:data/artifacts_invocation
-- requires: data/artifacts data/invocations
-- Lineage: the invocation that produced an artifact (artifacts.invocation_id), and the artifacts an
-- invocation took as input (invocation_input_artifacts). Together they make an artifact's upstream
-- graph: artifact <- invocation (tool version, node) <- input artifacts <- their invocations ...
BEGIN;
SET LOCAL ROLE aio_owner;
SET LOCAL lock_timeout = '2s';

-- A nullable column without a default: a catalog change, no rewrite. The foreign key holds for
-- new rows at once and is validated below, in a transaction of its own, while writes go on.
ALTER TABLE orchestrator.artifacts
    ADD COLUMN invocation_id uuid,
    ADD CONSTRAINT artifacts_invocation_id_fkey FOREIGN KEY (invocation_id)
        REFERENCES orchestrator.invocations (invocation_id) ON DELETE SET NULL NOT VALID;
COMMENT ON COLUMN orchestrator.artifacts.invocation_id IS
    'The invocation that produced this artifact (recorded by api.invocation_complete); NULL when recorded otherwise, or once that invocation was purged.';
COMMENT ON CONSTRAINT artifacts_invocation_id_fkey ON orchestrator.artifacts IS 'invocation_id: no invocation has this id';
-- A new column of an existing table: empty at deploy, so the build is instant.
-- squawk-ignore require-concurrent-index-creation
CREATE INDEX artifacts_invocation_idx ON orchestrator.artifacts (invocation_id) WHERE invocation_id IS NOT NULL;

CREATE TABLE orchestrator.invocation_input_artifacts (
    invocation_id uuid NOT NULL,
    artifact_id   uuid NOT NULL,
    CONSTRAINT invocation_input_artifacts_pkey PRIMARY KEY (invocation_id, artifact_id),
    CONSTRAINT invocation_input_artifacts_invocation_id_fkey FOREIGN KEY (invocation_id)
        REFERENCES orchestrator.invocations (invocation_id) ON DELETE CASCADE,
    -- Deleting an artifact (by its id, or as an orphan) removes it from the inputs it was part of.
    CONSTRAINT invocation_input_artifacts_artifact_id_fkey FOREIGN KEY (artifact_id)
        REFERENCES orchestrator.artifacts (artifact_id) ON DELETE CASCADE
);
COMMENT ON TABLE orchestrator.invocation_input_artifacts IS 'The artifacts an invocation was given as input (api.invocation_submit input_artifact_ids).';
COMMENT ON CONSTRAINT invocation_input_artifacts_invocation_id_fkey ON orchestrator.invocation_input_artifacts IS 'invocation_id: no invocation has this id';
COMMENT ON CONSTRAINT invocation_input_artifacts_artifact_id_fkey ON orchestrator.invocation_input_artifacts IS
    'input_artifact_ids: no artifact has this id';
CREATE INDEX invocation_input_artifacts_artifact_idx ON orchestrator.invocation_input_artifacts (artifact_id);

COMMIT;

-- Every existing row has no invocation: the validation reads the table and finds nothing to refuse.
BEGIN;
SET LOCAL ROLE aio_owner;
SET LOCAL lock_timeout = '2s';
ALTER TABLE orchestrator.artifacts VALIDATE CONSTRAINT artifacts_invocation_id_fkey;
COMMIT;
