-- pgTAP: api/queries: /queries routes
BEGIN;
SELECT plan(97);

-- A clean slate inside this transaction, whatever other tests left behind.
DELETE FROM orchestrator.invocations; DELETE FROM orchestrator.artifacts; DELETE FROM orchestrator.tools; DELETE FROM orchestrator.nodes;

-- signatures: argument types, names and defaults (they are the HTTP contract), results ------
SELECT has_function('api', 'queries_active_tools_with_nodes', ARRAY['integer', 'integer', 'integer', 'text']);
SELECT has_function('api', 'queries_tools_by_category_with_tags', ARRAY['text', 'integer', 'integer', 'text']);
SELECT has_function('api', 'queries_node_health_status', ARRAY['integer', 'integer', 'text', 'integer', 'text']);
SELECT has_function('api', 'queries_large_artifacts_by_tool', ARRAY['bigint', 'integer', 'text']);
SELECT has_function('api', 'queries_search_tools_by_schema', ARRAY['jsonb', 'text', 'text', 'integer', 'text']);
SELECT is(pg_get_function_arguments('api.queries_active_tools_with_nodes(integer, integer, integer, text)'::regprocedure),
    'stale_after_seconds integer DEFAULT 30, down_after_seconds integer DEFAULT 120, "limit" integer DEFAULT 50, cursor text DEFAULT NULL::text', 'queries_active_tools_with_nodes: argument names and defaults');
SELECT is(pg_get_function_arguments('api.queries_tools_by_category_with_tags(text, integer, integer, text)'::regprocedure),
    'category text DEFAULT NULL::text, tools_per_category integer DEFAULT 100, "limit" integer DEFAULT 50, cursor text DEFAULT NULL::text', 'queries_tools_by_category_with_tags: argument names and defaults');
SELECT is(pg_get_function_arguments('api.queries_node_health_status(integer, integer, text, integer, text)'::regprocedure),
    'stale_after_seconds integer DEFAULT 30, down_after_seconds integer DEFAULT 120, health text DEFAULT NULL::text, "limit" integer DEFAULT 50, cursor text DEFAULT NULL::text', 'queries_node_health_status: argument names and defaults');
SELECT is(pg_get_function_arguments('api.queries_large_artifacts_by_tool(bigint, integer, text)'::regprocedure),
    'min_size bigint DEFAULT 104857600, "limit" integer DEFAULT 50, cursor text DEFAULT NULL::text', 'queries_large_artifacts_by_tool: argument names and defaults');
SELECT is(pg_get_function_arguments('api.queries_search_tools_by_schema(jsonb, text, text, integer, text)'::regprocedure),
    'contains jsonb DEFAULT NULL::jsonb, property text DEFAULT NULL::text, side text DEFAULT ''any''::text, "limit" integer DEFAULT 50, cursor text DEFAULT NULL::text', 'queries_search_tools_by_schema: argument names and defaults');
SELECT function_returns('api', 'queries_active_tools_with_nodes', ARRAY['integer', 'integer', 'integer', 'text'], 'setof api.active_tool');
SELECT function_returns('api', 'queries_tools_by_category_with_tags', ARRAY['text', 'integer', 'integer', 'text'], 'setof api.category_tools');
SELECT function_returns('api', 'queries_node_health_status', ARRAY['integer', 'integer', 'text', 'integer', 'text'], 'setof api.node_health');
SELECT function_returns('api', 'queries_large_artifacts_by_tool', ARRAY['bigint', 'integer', 'text'], 'setof api.tool_large_artifacts');
SELECT function_returns('api', 'queries_search_tools_by_schema', ARRAY['jsonb', 'text', 'text', 'integer', 'text'], 'setof api.tool_item');

-- volatility: STABLE behind GET, VOLATILE behind POST; SECURITY DEFINER ---------------------
SELECT volatility_is('api', 'queries_active_tools_with_nodes', ARRAY['integer', 'integer', 'integer', 'text'], 'stable');
SELECT volatility_is('api', 'queries_tools_by_category_with_tags', ARRAY['text', 'integer', 'integer', 'text'], 'stable');
SELECT volatility_is('api', 'queries_node_health_status', ARRAY['integer', 'integer', 'text', 'integer', 'text'], 'stable');
SELECT volatility_is('api', 'queries_large_artifacts_by_tool', ARRAY['bigint', 'integer', 'text'], 'stable');
SELECT volatility_is('api', 'queries_search_tools_by_schema', ARRAY['jsonb', 'text', 'text', 'integer', 'text'], 'stable');
SELECT is_definer('api', 'queries_active_tools_with_nodes', ARRAY['integer', 'integer', 'integer', 'text']);
SELECT is_definer('api', 'queries_tools_by_category_with_tags', ARRAY['text', 'integer', 'integer', 'text']);
SELECT is_definer('api', 'queries_node_health_status', ARRAY['integer', 'integer', 'text', 'integer', 'text']);
SELECT is_definer('api', 'queries_large_artifacts_by_tool', ARRAY['bigint', 'integer', 'text']);
SELECT is_definer('api', 'queries_search_tools_by_schema', ARRAY['jsonb', 'text', 'text', 'integer', 'text']);

-- privileges: the API role may execute, the BI role may not --------------------------------
SELECT function_privs_are('api', 'queries_active_tools_with_nodes', ARRAY['integer', 'integer', 'integer', 'text'], 'aio_api', ARRAY['EXECUTE']);
SELECT function_privs_are('api', 'queries_tools_by_category_with_tags', ARRAY['text', 'integer', 'integer', 'text'], 'aio_api', ARRAY['EXECUTE']);
SELECT function_privs_are('api', 'queries_node_health_status', ARRAY['integer', 'integer', 'text', 'integer', 'text'], 'aio_api', ARRAY['EXECUTE']);
SELECT function_privs_are('api', 'queries_large_artifacts_by_tool', ARRAY['bigint', 'integer', 'text'], 'aio_api', ARRAY['EXECUTE']);
SELECT function_privs_are('api', 'queries_search_tools_by_schema', ARRAY['jsonb', 'text', 'text', 'integer', 'text'], 'aio_api', ARRAY['EXECUTE']);
SELECT function_privs_are('api', 'queries_active_tools_with_nodes', ARRAY['integer', 'integer', 'integer', 'text'], 'aio_bi', ARRAY[]::text[]);
SELECT function_privs_are('api', 'queries_tools_by_category_with_tags', ARRAY['text', 'integer', 'integer', 'text'], 'aio_bi', ARRAY[]::text[]);
SELECT function_privs_are('api', 'queries_node_health_status', ARRAY['integer', 'integer', 'text', 'integer', 'text'], 'aio_bi', ARRAY[]::text[]);
SELECT function_privs_are('api', 'queries_large_artifacts_by_tool', ARRAY['bigint', 'integer', 'text'], 'aio_bi', ARRAY[]::text[]);
SELECT function_privs_are('api', 'queries_search_tools_by_schema', ARRAY['jsonb', 'text', 'text', 'integer', 'text'], 'aio_bi', ARRAY[]::text[]);

\ir fixtures/operations_nodes.sql
\ir fixtures/operations_data.sql

-- queries_node_health_status: every derived health ------------------------------------------
SELECT results_eq(
    $$ SELECT k, status, health FROM api.queries_node_health_status() h JOIN nd USING (node_id) ORDER BY k $$,
    $$ VALUES ('down', 'ACTIVE', 'DOWN'), ('error', 'ERROR', 'DOWN'), ('healthy', 'ACTIVE', 'HEALTHY'),
              ('inactive', 'INACTIVE', 'INACTIVE'), ('maint', 'MAINTENANCE', 'MAINTENANCE'),
              ('stale', 'ACTIVE', 'STALE'), ('unknown', 'ACTIVE', 'UNKNOWN') $$,
    'health: HEALTHY, STALE (> 30 s), DOWN (> 120 s or ERROR), MAINTENANCE, INACTIVE, UNKNOWN (never beat)');
SELECT results_eq(
    $$ SELECT k, health FROM api.queries_node_health_status(stale_after_seconds => 100, down_after_seconds => 400)
       JOIN nd USING (node_id) WHERE k IN ('stale', 'down') ORDER BY k $$,
    $$ VALUES ('down', 'STALE'), ('stale', 'HEALTHY') $$,
    'thresholds are parameters: 300 s is only STALE at 100/400, 60 s HEALTHY');
SELECT results_eq(
    $$ SELECT k, health FROM api.queries_node_health_status(stale_after_seconds => 10, down_after_seconds => 50)
       JOIN nd USING (node_id) WHERE k IN ('stale', 'down') ORDER BY k $$,
    $$ VALUES ('down', 'DOWN'), ('stale', 'DOWN') $$,
    'at 10/50 a node silent for 60 s is DOWN');
SELECT is((SELECT array_agg(k ORDER BY k) FROM api.queries_node_health_status(health => 'DOWN') JOIN nd USING (node_id)),
    '{down,error}'::text[], 'health filter');
SELECT is((SELECT array_agg(k) FROM api.queries_node_health_status(health => 'STALE') JOIN nd USING (node_id)),
    '{stale}'::text[], 'health filter STALE');
SELECT results_eq(
    $$ SELECT k, seconds_since_heartbeat, last_heartbeat_at, tool_count FROM api.queries_node_health_status()
       JOIN nd USING (node_id) WHERE k IN ('stale', 'unknown', 'healthy') ORDER BY k $$,
    $$ VALUES ('healthy', 0.000, now(), 2::bigint), ('stale', 60.000, now() - interval '60 seconds', 1),
              ('unknown', NULL, NULL, 0) $$,
    'seconds since the last heartbeat and the tools targeting each node');
SELECT is(
    (WITH p1 AS (SELECT * FROM api.queries_node_health_status("limit" => 4)),
          p2 AS (SELECT * FROM api.queries_node_health_status("limit" => 4,
                     cursor => (SELECT cursor FROM p1 OFFSET 3 LIMIT 1)))
     SELECT count(DISTINCT node_id)::int || '/' || count(*)::int FROM (SELECT node_id FROM p1 UNION ALL SELECT node_id FROM p2) x),
    '7/7', 'node health: two keyset pages hold every node once');
SELECT throws_ok($$ SELECT * FROM api.queries_node_health_status(health => 'SICK') $$,
    '22023', 'health: must be one of HEALTHY, STALE, DOWN, MAINTENANCE, INACTIVE, UNKNOWN, got ''SICK''', 'unknown health: 22023');
SELECT throws_ok($$ SELECT * FROM api.queries_node_health_status(stale_after_seconds => 60, down_after_seconds => 30) $$,
    '22023', 'down_after_seconds: must be at least stale_after_seconds (60), got 30', 'down before stale: 22023');
SELECT throws_ok($$ SELECT * FROM api.queries_node_health_status(stale_after_seconds => 0) $$,
    '22023', 'stale_after_seconds: must be 1 or more, got 0', 'stale threshold 0: 22023');
SELECT throws_ok($$ SELECT * FROM api.queries_node_health_status("limit" => 0) $$,
    '22023', 'limit: must be between 1 and 1000, got 0', 'node health limit 0: 22023');
SELECT throws_ok($$ SELECT * FROM api.queries_node_health_status(cursor => 'garbage') $$, '22023', NULL, 'node health bad cursor: 22023');

-- queries_active_tools_with_nodes -------------------------------------------------------------
SELECT results_eq(
    $$ SELECT name, version, node->>'name', node->>'status', node->>'health' FROM api.queries_active_tools_with_nodes() $$,
    $$ VALUES ('ops-alpha', '1.10.0', 'ops-stale', 'ACTIVE', 'STALE'), ('ops-alpha', '1.0.0', 'ops-healthy', 'ACTIVE', 'HEALTHY'),
              ('ops-beta', '1.0.0', 'ops-down', 'ACTIVE', 'DOWN'), ('ops-epsilon', '1.0.0', 'ops-maint', 'MAINTENANCE', 'MAINTENANCE'),
              ('ops-gamma', '1.0.0', NULL, NULL, NULL), ('ops-zeta', '1.0.0', 'ops-inactive', 'INACTIVE', 'INACTIVE') $$,
    'ACTIVE tools only, by name and newest version first, each with its node and the node''s health');
SELECT is((SELECT node FROM api.queries_active_tools_with_nodes() WHERE name = 'ops-gamma'), NULL::jsonb, 'node is null for a tool without one');
SELECT is((SELECT node FROM api.queries_active_tools_with_nodes() WHERE name = 'ops-alpha' AND version = '1.0.0'),
    jsonb_build_object('node_id', pg_temp.n('healthy'), 'name', 'ops-healthy', 'node_type', 'TOOL_EXECUTOR',
                       'address', 'http://10.9.0.1:8080', 'status', 'ACTIVE', 'health', 'HEALTHY', 'last_heartbeat_at', now()),
    'the nested node: id, name, type, address, status, health, last heartbeat');
SELECT is((SELECT tags FROM api.queries_active_tools_with_nodes() WHERE name = 'ops-alpha' AND version = '1.0.0'),
    '{fast,nlp}'::text[], 'tools carry their tags');
SELECT results_eq(
    $$ SELECT name, node->>'health' FROM api.queries_active_tools_with_nodes(stale_after_seconds => 100, down_after_seconds => 400)
       WHERE name IN ('ops-alpha', 'ops-beta') $$,
    $$ VALUES ('ops-alpha', 'HEALTHY'), ('ops-alpha', 'HEALTHY'), ('ops-beta', 'STALE') $$,
    'active tools: the thresholds decide the nested health');
SELECT is(
    (WITH p1 AS (SELECT * FROM api.queries_active_tools_with_nodes("limit" => 4)),
          p2 AS (SELECT * FROM api.queries_active_tools_with_nodes("limit" => 4,
                     cursor => (SELECT cursor FROM p1 OFFSET 3 LIMIT 1)))
     SELECT count(DISTINCT tool_id)::int || '/' || count(*)::int FROM (SELECT tool_id FROM p1 UNION ALL SELECT tool_id FROM p2) x),
    '6/6', 'active tools: two keyset pages hold every active tool once');
SELECT throws_ok($$ SELECT * FROM api.queries_active_tools_with_nodes(stale_after_seconds => 60, down_after_seconds => 59) $$,
    '22023', 'down_after_seconds: must be at least stale_after_seconds (60), got 59', 'active tools: thresholds out of order: 22023');
SELECT throws_ok($$ SELECT * FROM api.queries_active_tools_with_nodes(stale_after_seconds => -1) $$,
    '22023', 'stale_after_seconds: must be 1 or more, got -1', 'active tools: negative stale threshold: 22023');
SELECT throws_ok($$ SELECT * FROM api.queries_active_tools_with_nodes("limit" => 1001) $$,
    '22023', 'limit: must be between 1 and 1000, got 1001', 'active tools: limit 1001: 22023');
SELECT throws_ok($$ SELECT * FROM api.queries_active_tools_with_nodes(cursor => 'garbage') $$, '22023', NULL, 'active tools: bad cursor: 22023');

-- queries_tools_by_category_with_tags -------------------------------------------------------------
SELECT results_eq(
    $$ SELECT category, tool_count, jsonb_array_length(tools) FROM api.queries_tools_by_category_with_tags() $$,
    $$ VALUES ('AUDIO', 3::bigint, 3), ('NLP', 2::bigint, 2), ('VISION', 2::bigint, 2) $$,
    'one row per category, alphabetical, with its tool count (every status)');
SELECT is((SELECT tools FROM api.queries_tools_by_category_with_tags(category => 'NLP')),
    jsonb_build_array(
        jsonb_build_object('tool_id', pg_temp.t('a2'), 'name', 'ops-alpha', 'version', '1.10.0', 'status', 'ACTIVE', 'tags', '["nlp"]'::jsonb),
        jsonb_build_object('tool_id', pg_temp.t('a'), 'name', 'ops-alpha', 'version', '1.0.0', 'status', 'ACTIVE', 'tags', '["fast", "nlp"]'::jsonb)),
    'category filter: its tools, newest version first, with sorted tag arrays');
SELECT is((SELECT array_agg(category) FROM api.queries_tools_by_category_with_tags(category => 'VISION')), '{VISION}'::text[],
    'the filter returns that category only');
SELECT is_empty($$ SELECT * FROM api.queries_tools_by_category_with_tags(category => 'NO_SUCH') $$, 'an unknown category: no rows');
SELECT results_eq(
    $$ SELECT tool_count, jsonb_array_length(tools), tools->0->>'name' FROM api.queries_tools_by_category_with_tags(category => 'AUDIO', tools_per_category => 1) $$,
    $$ VALUES (3::bigint, 1, 'ops-delta') $$,
    'tools_per_category caps the nested list, not the count');
SELECT is(
    (WITH p1 AS (SELECT * FROM api.queries_tools_by_category_with_tags("limit" => 2))
     SELECT array_agg(category) FROM api.queries_tools_by_category_with_tags(
         "limit" => 2, cursor => (SELECT cursor FROM p1 WHERE category = 'NLP'))),
    '{VISION}'::text[], 'categories: the cursor continues after the last category');
SELECT throws_ok($$ SELECT * FROM api.queries_tools_by_category_with_tags(tools_per_category => 0) $$,
    '22023', 'tools_per_category: must be between 1 and 1000, got 0', 'tools_per_category 0: 22023');
SELECT throws_ok($$ SELECT * FROM api.queries_tools_by_category_with_tags(tools_per_category => 1001) $$,
    '22023', 'tools_per_category: must be between 1 and 1000, got 1001', 'tools_per_category 1001: 22023');
SELECT throws_ok($$ SELECT * FROM api.queries_tools_by_category_with_tags("limit" => 0) $$,
    '22023', 'limit: must be between 1 and 1000, got 0', 'categories: limit 0: 22023');
SELECT throws_ok($$ SELECT * FROM api.queries_tools_by_category_with_tags(cursor => 'garbage') $$, '22023', NULL, 'categories: bad cursor: 22023');

-- queries_large_artifacts_by_tool --------------------------------------------------------------
SELECT results_eq(
    $$ SELECT tool_id, tool_name, version, category, artifact_count, total_bytes, largest_artifact_id, largest_artifact_name, largest_size_bytes
       FROM api.queries_large_artifacts_by_tool() $$,
    $$ VALUES (pg_temp.t('b'), 'ops-beta', '1.0.0', 'VISION', 1::bigint, 524288000::numeric, pg_temp.a('b1'), 'b1.bin', 524288000::bigint),
              (pg_temp.t('a'), 'ops-alpha', '1.0.0', 'NLP', 2, 367001600, pg_temp.a('a1'), 'a1.bin', 209715200) $$,
    'per tool, largest total first: artifacts of at least 100 MiB, their total and the largest; orphans left out');
SELECT results_eq(
    $$ SELECT tool_name, artifact_count, total_bytes FROM api.queries_large_artifacts_by_tool(min_size => 0) $$,
    $$ VALUES ('ops-beta', 1::bigint, 524288000::numeric), ('ops-alpha', 3, 368050176), ('ops-gamma', 1, 10) $$,
    'min_size => 0 counts every artifact that has a tool');
SELECT results_eq(
    $$ SELECT tool_name, artifact_count FROM api.queries_large_artifacts_by_tool(min_size => 209715200) $$,
    $$ VALUES ('ops-beta', 1::bigint), ('ops-alpha', 1) $$,
    'min_size is inclusive');
SELECT is_empty($$ SELECT * FROM api.queries_large_artifacts_by_tool(min_size => 1073741824) $$, 'nothing of 1 GiB');
SELECT is(
    (WITH p1 AS (SELECT * FROM api.queries_large_artifacts_by_tool(min_size => 0, "limit" => 1))
     SELECT array_agg(tool_name) FROM api.queries_large_artifacts_by_tool(min_size => 0, "limit" => 5, cursor => (SELECT cursor FROM p1))),
    '{ops-alpha,ops-gamma}'::text[], 'large artifacts: the cursor continues after the first tool');
SELECT throws_ok($$ SELECT * FROM api.queries_large_artifacts_by_tool(min_size => -1) $$,
    '22023', 'min_size: must be 0 or more, got -1', 'negative min_size: 22023');
SELECT throws_ok($$ SELECT * FROM api.queries_large_artifacts_by_tool("limit" => 0) $$,
    '22023', 'limit: must be between 1 and 1000, got 0', 'large artifacts: limit 0: 22023');
SELECT throws_ok($$ SELECT * FROM api.queries_large_artifacts_by_tool(cursor => 'garbage') $$, '22023', NULL, 'large artifacts: bad cursor: 22023');

-- queries_search_tools_by_schema ---------------------------------------------------------------
SELECT is((SELECT array_agg(tool_id) FROM api.queries_search_tools_by_schema(contains => '{"properties": {"text": {"type": "string"}}}', side => 'input')),
    ARRAY[pg_temp.t('a')], 'contains, input side: the tool whose input declares text as a string (not the one with a number)');
SELECT is_empty($$ SELECT * FROM api.queries_search_tools_by_schema(contains => '{"properties": {"text": {"type": "string"}}}', side => 'output') $$,
    'contains, output side: no output declares text');
SELECT is((SELECT array_agg(tool_id) FROM api.queries_search_tools_by_schema(contains => '{"properties": {"summary": {}}}', side => 'output')),
    ARRAY[pg_temp.t('a')], 'contains, output side');
SELECT is((SELECT array_agg(tool_id) FROM api.queries_search_tools_by_schema(contains => '{"properties": {"summary": {}}}')),
    ARRAY[pg_temp.t('a')], 'contains, any side (the default) finds output matches');
SELECT is_empty($$ SELECT * FROM api.queries_search_tools_by_schema(contains => '{"properties": {"summary": {}}}', side => 'input') $$,
    'contains, input side: no input declares summary');
SELECT is((SELECT array_agg(tool_id) FROM api.queries_search_tools_by_schema(contains => '{"type": "object"}', side => 'input')),
    ARRAY[pg_temp.t('a'), pg_temp.t('b')], 'contains a top-level fragment');
SELECT is((SELECT array_agg(tool_id) FROM api.queries_search_tools_by_schema(property => 'text')),
    ARRAY[pg_temp.t('a'), pg_temp.t('c')], 'property: every tool declaring it, whatever its type, by name');
SELECT is_empty($$ SELECT * FROM api.queries_search_tools_by_schema(property => 'text', side => 'output') $$, 'property, output side');
SELECT is((SELECT array_agg(tool_id) FROM api.queries_search_tools_by_schema(property => 'labels', side => 'output')),
    ARRAY[pg_temp.t('b')], 'property, output side');
SELECT is_empty($$ SELECT * FROM api.queries_search_tools_by_schema(property => 'labels', side => 'input') $$, 'property, input side');
SELECT is((SELECT array_agg(tool_id) FROM api.queries_search_tools_by_schema(contains => '{"type": "object"}', property => 'image_url')),
    ARRAY[pg_temp.t('b')], 'contains and property together must both hold');
SELECT results_eq(
    $$ SELECT name, version, tags, status FROM api.queries_search_tools_by_schema(property => 'image_url') $$,
    $$ VALUES ('ops-beta', '1.0.0', '{vision}'::text[], 'ACTIVE') $$, 'results are whole tool items');
SELECT results_eq(
    $$ SELECT tool_id, name, version, description, category, input_schema, output_schema, target_node_id, status, metadata, tags,
              created_at, updated_at, revision
       FROM api.queries_search_tools_by_schema(property => 'text') $$,
    $$ SELECT g.* FROM unnest(ARRAY[pg_temp.t('a'), pg_temp.t('c')]) WITH ORDINALITY AS x(id, n), api.tool_get(tool_id => x.id) g ORDER BY x.n $$,
    'schema search: each item is the tool as tool_get answers it, tags and revision included');
-- The tags of each row come from the inlined tool_tag_array, not from a tool_out call per row.
RESET ROLE;
SET LOCAL track_functions = 'all';
SELECT coalesce((SELECT calls FROM pg_stat_xact_user_functions WHERE funcid = 'orchestrator.tool_out(orchestrator.tools)'::regprocedure), 0)
    AS tool_out_calls_before \gset
SET LOCAL ROLE aio_api;
SELECT count(*) AS searched FROM api.queries_search_tools_by_schema(property => 'text') \gset
RESET ROLE;
SELECT is(coalesce((SELECT calls FROM pg_stat_xact_user_functions WHERE funcid = 'orchestrator.tool_out(orchestrator.tools)'::regprocedure), 0),
    :tool_out_calls_before::bigint, format('schema search: %s rows, no call of tool_out', :searched));
SET LOCAL ROLE aio_api;
SELECT is(
    (WITH p1 AS (SELECT * FROM api.queries_search_tools_by_schema(property => 'text', "limit" => 1))
     SELECT array_agg(tool_id) FROM api.queries_search_tools_by_schema(property => 'text', cursor => (SELECT cursor FROM p1))),
    ARRAY[pg_temp.t('c')], 'schema search: the cursor continues after the first tool');
-- Not a valid schema: stored as a row from before the registration check (data/tools_schema_check) would be.
RESET ROLE;
SET LOCAL session_replication_role = replica;
SET LOCAL ROLE aio_api;
CREATE TEMP TABLE odd_schema AS
SELECT tool_id FROM api.tool_create(name => 'ops-odd', version => '1.0.0', category => 'NLP',
                                    input_schema => '{"properties": ["text"]}');
RESET ROLE;
SET LOCAL session_replication_role = origin;
SET LOCAL ROLE aio_api;
SELECT is((SELECT array_agg(tool_id) FROM api.queries_search_tools_by_schema(property => 'text')),
    ARRAY[pg_temp.t('a'), pg_temp.t('c')], 'property: "properties" given as an array declares nothing');
DO $do$ BEGIN PERFORM api.tool_delete(tool_id => (SELECT tool_id FROM odd_schema)); END $do$;
SELECT throws_ok($$ SELECT * FROM api.queries_search_tools_by_schema() $$,
    '22023', 'contains: give contains (a JSON object) or property (a property name), or both', 'neither contains nor property: 22023');
SELECT throws_ok($$ SELECT * FROM api.queries_search_tools_by_schema(contains => '[1]') $$,
    '22023', 'contains: must be a JSON object, got array', 'contains an array: 22023');
SELECT throws_ok($$ SELECT * FROM api.queries_search_tools_by_schema(contains => '"text"') $$,
    '22023', 'contains: must be a JSON object, got string', 'contains a string: 22023');
SELECT throws_ok($$ SELECT * FROM api.queries_search_tools_by_schema(property => 'text', side => 'both') $$,
    '22023', 'side: must be one of input, output, any, got ''both''', 'unknown side: 22023');
SELECT throws_ok($$ SELECT * FROM api.queries_search_tools_by_schema(property => 'text', "limit" => 0) $$,
    '22023', 'limit: must be between 1 and 1000, got 0', 'schema search: limit 0: 22023');
SELECT throws_ok($$ SELECT * FROM api.queries_search_tools_by_schema(property => 'text', cursor => 'garbage') $$,
    '22023', NULL, 'schema search: bad cursor: 22023');

RESET ROLE;
SELECT * FROM finish();
ROLLBACK;
