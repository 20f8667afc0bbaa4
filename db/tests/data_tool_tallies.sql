-- pgTAP: data/tool_tallies (ACTIVE tools per node, deprecated versions still targeted per name)
BEGIN;
SET LOCAL client_min_messages = warning;
SELECT plan(18);

-- What the maintained counts must equal, counted from the tools: this stays 0.
CREATE FUNCTION pg_temp.differences() RETURNS bigint LANGUAGE sql AS $$
    WITH exact_nodes AS (SELECT target_node_id, count(*) FROM orchestrator.tools
                         WHERE status = 'ACTIVE' AND target_node_id IS NOT NULL GROUP BY 1),
         kept_nodes AS (SELECT node_id, active_tools FROM orchestrator.node_active_tools),
         exact_names AS (SELECT name, count(*) FROM orchestrator.deprecated_targeted_tools GROUP BY name),
         kept_names AS (SELECT name, tools FROM orchestrator.deprecated_targeted)
    SELECT (SELECT count(*) FROM ((SELECT * FROM exact_nodes EXCEPT SELECT * FROM kept_nodes)
                                  UNION ALL (SELECT * FROM kept_nodes EXCEPT SELECT * FROM exact_nodes)) d)
         + (SELECT count(*) FROM ((SELECT * FROM exact_names EXCEPT SELECT * FROM kept_names)
                                  UNION ALL (SELECT * FROM kept_names EXCEPT SELECT * FROM exact_names)) d)
$$;

SELECT has_table('orchestrator', 'node_active_tools', 'ACTIVE tools per node');
SELECT has_table('orchestrator', 'deprecated_targeted', 'deprecated versions still targeted per name');
SELECT has_index('orchestrator', 'tools', 'tools_active_without_node_idx', 'a partial index for active_tools_without_node');
SELECT has_index('orchestrator', 'tools', 'tools_without_type_idx', 'a partial index for schemas_without_type');
SELECT function_privs_are('orchestrator', 'tool_tallies_rebuild', ARRAY[]::text[], 'aio_api', ARRAY[]::text[],
    'request roles cannot rebuild the tool tallies');

SELECT lives_ok($$ SELECT orchestrator.tool_tallies_rebuild() $$, 'the rebuild runs');
SELECT is(pg_temp.differences(), 0::bigint, 'after the rebuild the counts are exact');

-- Inserts: many versions of a few names in one statement, on two nodes and none.
CREATE TEMP TABLE n AS
SELECT (api.node_create(node_type => 'TOOL_EXECUTOR', address => 'http://10.8.0.1:8080', name => 'tt-n1')).node_id AS n1,
       (api.node_create(node_type => 'TOOL_EXECUTOR', address => 'http://10.8.0.2:8080', name => 'tt-n2')).node_id AS n2;
INSERT INTO orchestrator.tools (name, version, category, target_node_id, status)
SELECT 'tt-tool-' || (i % 6), format('1.%s.0', i), 'NLP',
       CASE WHEN i % 5 = 0 THEN NULL WHEN i % 2 = 0 THEN n.n1 ELSE n.n2 END,
       (ARRAY['ACTIVE', 'DEPRECATED', 'DEPRECATED', 'INACTIVE'])[1 + i % 4]
FROM generate_series(1, 120) i, n;
SELECT is(pg_temp.differences(), 0::bigint, 'after a bulk insert');
SELECT ok((SELECT active_tools FROM orchestrator.node_active_tools, n WHERE node_id = n.n1) > 0, 'a node''s ACTIVE tools are counted');
SELECT ok((SELECT sum(tools) FROM orchestrator.deprecated_targeted WHERE name LIKE 'tt-tool-%') > 0, 'deprecated versions still targeted are counted');
SELECT lives_ok($$ SELECT api.tool_create(name => 'tt-tool-single', version => '2.0.0', category => 'NLP',
                                          target_node_id => (SELECT n1 FROM n)) $$, 'a tool is created through the api');
SELECT is(pg_temp.differences(), 0::bigint, 'after a single create');

-- Updates: status, node, name and version; a node deleted (its tools lose their node).
UPDATE orchestrator.tools SET status = 'ACTIVE' WHERE name = 'tt-tool-1' AND status = 'DEPRECATED';
UPDATE orchestrator.tools SET status = 'DEPRECATED' WHERE name = 'tt-tool-2' AND status = 'ACTIVE' AND version_key < orchestrator.semver_key('1.50.0');
UPDATE orchestrator.tools SET target_node_id = (SELECT n2 FROM n) WHERE name = 'tt-tool-3';
UPDATE orchestrator.tools SET name = 'tt-tool-4' WHERE name = 'tt-tool-5' AND version_key > orchestrator.semver_key('1.100.0');
UPDATE orchestrator.tools SET description = 'no change the counts see' WHERE name = 'tt-tool-0';
SELECT is(pg_temp.differences(), 0::bigint, 'after updates of status, node, name and version');
SELECT lives_ok($$ SELECT api.node_delete(node_id => (SELECT n1 FROM n)) $$, 'a node with tools is deleted');
SELECT is(pg_temp.differences(), 0::bigint, 'after a node is deleted');

-- Deletes, then the route's figures against the exact ones.
DELETE FROM orchestrator.tools WHERE name = 'tt-tool-2' AND status = 'ACTIVE';
SELECT is(pg_temp.differences(), 0::bigint, 'after deletes');
SELECT results_eq(
    $$ SELECT problems FROM api.monitoring_data_integrity()
       WHERE check_name IN ('active_tools_on_unavailable_nodes', 'deprecated_tools_still_targeted') ORDER BY check_name $$,
    $$ SELECT (SELECT count(*) FROM orchestrator.tools t JOIN orchestrator.nodes n ON n.node_id = t.target_node_id
               LEFT JOIN orchestrator.node_heartbeats h ON h.node_id = n.node_id
               WHERE t.status = 'ACTIVE' AND (n.status <> 'ACTIVE' OR orchestrator.node_health(n.status, h.last_heartbeat_at,
                     interval '30 seconds', interval '120 seconds') = 'DOWN'))
       UNION ALL SELECT count(*) FROM orchestrator.deprecated_targeted_tools $$,
    'the data checks report the counted figures');

TRUNCATE orchestrator.tools CASCADE;
SELECT is((SELECT count(*) FROM orchestrator.node_active_tools) + (SELECT count(*) FROM orchestrator.deprecated_targeted),
    0::bigint, 'after TRUNCATE nothing is counted');

SELECT * FROM finish();
ROLLBACK;
