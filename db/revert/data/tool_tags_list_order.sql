-- Revert ai-orchestrator:data/tool_tags_list_order
BEGIN;
SET LOCAL ROLE aio_owner;

DROP TRIGGER tools_list_order_to_tags ON orchestrator.tools;
DROP FUNCTION orchestrator.tool_gives_list_order();
DROP TRIGGER tool_tags_list_order ON orchestrator.tool_tags;
DROP FUNCTION orchestrator.tag_takes_list_order();
ALTER TABLE orchestrator.tool_tags DROP COLUMN tool_name, DROP COLUMN tool_version_key;  -- and tool_tags_list_idx
ALTER TABLE orchestrator.tool_tags ALTER COLUMN tag SET STATISTICS -1;

COMMIT;
