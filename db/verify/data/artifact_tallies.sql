-- Verify ai-orchestrator:data/artifact_tallies
SELECT category, artifact_count, total_bytes, largest_bytes FROM orchestrator.artifact_tallies WHERE false;
SELECT category, removed_largest, checksums FROM orchestrator.artifact_tally_changes WHERE false;
SELECT checksum FROM orchestrator.duplicate_checksums WHERE false;
SELECT 'orchestrator.artifact_tallies_now()'::regprocedure, 'orchestrator.artifact_tallies_fold(boolean)'::regprocedure,
       'orchestrator.artifact_tallies_rebuild()'::regprocedure;
