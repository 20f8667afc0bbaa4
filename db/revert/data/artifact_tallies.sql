-- Revert ai-orchestrator:data/artifact_tallies
BEGIN;
SET LOCAL ROLE aio_owner;

DROP TRIGGER artifacts_tally_insert ON orchestrator.artifacts;
DROP TRIGGER artifacts_tally_update ON orchestrator.artifacts;
DROP TRIGGER artifacts_tally_delete ON orchestrator.artifacts;
DROP TRIGGER artifacts_tally_truncate ON orchestrator.artifacts;
DROP TRIGGER tools_orphan_artifacts ON orchestrator.tools;
DROP TRIGGER tools_move_artifacts ON orchestrator.tools;
DROP FUNCTION orchestrator.artifacts_tally(), orchestrator.tool_moves_artifacts(), orchestrator.artifacts_tally_truncate(),
              orchestrator.artifact_tallies_rebuild(), orchestrator.artifact_tallies_fold(boolean),
              orchestrator.duplicate_checksums_now(), orchestrator.artifact_tallies_now(),
              orchestrator.category_largest(text, numeric), orchestrator.checksums_shared(text[]);
DROP TABLE orchestrator.duplicate_checksums, orchestrator.artifact_tally_changes, orchestrator.artifact_tallies;

COMMIT;
