-- Revert ai-orchestrator:data/audit
BEGIN;
DROP TRIGGER tool_deactivations_audit ON orchestrator.tool_deactivations;
DROP TRIGGER settings_audit ON orchestrator.settings;
DROP TRIGGER api_keys_audit ON orchestrator.api_keys;
DROP TRIGGER artifacts_audit ON orchestrator.artifacts;
DROP TRIGGER tool_tags_audit ON orchestrator.tool_tags;
DROP TRIGGER tools_audit ON orchestrator.tools;
DROP TRIGGER nodes_audit ON orchestrator.nodes;
DROP FUNCTION orchestrator.audit_change();
DROP TABLE orchestrator.audit_log;
COMMIT;
