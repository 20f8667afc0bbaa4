-- Verify ai-orchestrator:data/revisions
SELECT revision FROM orchestrator.nodes WHERE false;
SELECT revision FROM orchestrator.tools WHERE false;
SELECT revision FROM orchestrator.artifacts WHERE false;
SELECT 'orchestrator.bump_revision()'::regprocedure;
