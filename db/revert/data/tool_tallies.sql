-- Revert ai-orchestrator:data/tool_tallies
BEGIN;
SET LOCAL ROLE aio_owner;

DROP TRIGGER tools_tally_insert ON orchestrator.tools;
DROP TRIGGER tools_tally_update ON orchestrator.tools;
DROP TRIGGER tools_tally_delete ON orchestrator.tools;
DROP TRIGGER tools_tally_truncate ON orchestrator.tools;
DROP FUNCTION orchestrator.tools_tally(), orchestrator.tools_tally_truncate(), orchestrator.tool_tallies_rebuild(),
              orchestrator.tool_tallies_apply(uuid[], uuid[], text[]);
DROP VIEW orchestrator.deprecated_targeted_tools;
DROP INDEX orchestrator.tools_active_without_node_idx, orchestrator.tools_without_type_idx;
DROP TABLE orchestrator.node_active_tools, orchestrator.deprecated_targeted;

COMMIT;
