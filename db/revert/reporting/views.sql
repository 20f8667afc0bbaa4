-- Revert ai-orchestrator:reporting/views
BEGIN;
DROP VIEW reporting.artifacts;
DROP VIEW reporting.tool_tags;
DROP VIEW reporting.tools;
DROP VIEW reporting.nodes;
COMMIT;
