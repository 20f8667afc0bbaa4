-- Revert ai-orchestrator:data/revisions
BEGIN;
SET LOCAL lock_timeout = '2s';
DROP FUNCTION orchestrator.revision_mismatch(text, bigint, bigint);
DROP TRIGGER artifacts_bump_revision ON orchestrator.artifacts;
DROP TRIGGER tools_bump_revision ON orchestrator.tools;
DROP TRIGGER nodes_bump_revision ON orchestrator.nodes;
DROP FUNCTION orchestrator.bump_revision();
ALTER TABLE orchestrator.artifacts DROP COLUMN revision;
ALTER TABLE orchestrator.tools DROP COLUMN revision;
ALTER TABLE orchestrator.nodes DROP COLUMN revision;
COMMIT;
