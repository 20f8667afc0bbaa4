-- Verify ai-orchestrator:data/tool_tallies
SELECT node_id, active_tools FROM orchestrator.node_active_tools WHERE false;
SELECT name, tools FROM orchestrator.deprecated_targeted WHERE false;
SELECT 'orchestrator.tools_active_without_node_idx'::regclass, 'orchestrator.tools_without_type_idx'::regclass,
       'orchestrator.tool_tallies_rebuild()'::regprocedure;
