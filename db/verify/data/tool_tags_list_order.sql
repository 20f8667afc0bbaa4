-- Verify ai-orchestrator:data/tool_tags_list_order
SELECT tool_name, tool_version_key FROM orchestrator.tool_tags WHERE false;
SELECT 'orchestrator.tool_tags_list_idx'::regclass,
       'orchestrator.tag_takes_list_order()'::regprocedure, 'orchestrator.tool_gives_list_order()'::regprocedure;
