-- pgTAP: api/monitoring: /monitoring routes
BEGIN;
SELECT plan(39);

-- A clean slate inside this transaction, whatever other tests left behind.
DELETE FROM orchestrator.invocations; DELETE FROM orchestrator.artifacts; DELETE FROM orchestrator.tools; DELETE FROM orchestrator.nodes;

-- signatures: argument types, names and defaults (they are the HTTP contract), results ------
SELECT has_function('api', 'monitoring_storage_usage_by_category', ARRAY[]::text[]);
SELECT has_function('api', 'monitoring_tool_usage_statistics', ARRAY['integer', 'text']);
SELECT has_function('api', 'monitoring_data_integrity', ARRAY['integer', 'integer']);
SELECT is(pg_get_function_arguments('api.monitoring_storage_usage_by_category()'::regprocedure),
    '', 'monitoring_storage_usage_by_category: argument names and defaults');
SELECT is(pg_get_function_arguments('api.monitoring_tool_usage_statistics(integer, text)'::regprocedure),
    '"limit" integer DEFAULT 50, cursor text DEFAULT NULL::text', 'monitoring_tool_usage_statistics: argument names and defaults');
SELECT is(pg_get_function_arguments('api.monitoring_data_integrity(integer, integer)'::regprocedure),
    'stale_after_seconds integer DEFAULT 30, down_after_seconds integer DEFAULT 120', 'monitoring_data_integrity: argument names and defaults');
SELECT function_returns('api', 'monitoring_storage_usage_by_category', ARRAY[]::text[], 'setof api.category_storage');
SELECT function_returns('api', 'monitoring_tool_usage_statistics', ARRAY['integer', 'text'], 'setof api.tool_usage');
SELECT function_returns('api', 'monitoring_data_integrity', ARRAY['integer', 'integer'], 'setof api.integrity_check');

-- volatility: STABLE behind GET, VOLATILE behind POST; SECURITY DEFINER ---------------------
SELECT volatility_is('api', 'monitoring_storage_usage_by_category', ARRAY[]::text[], 'stable');
SELECT volatility_is('api', 'monitoring_tool_usage_statistics', ARRAY['integer', 'text'], 'stable');
SELECT volatility_is('api', 'monitoring_data_integrity', ARRAY['integer', 'integer'], 'stable');
SELECT is_definer('api', 'monitoring_storage_usage_by_category', ARRAY[]::text[]);
SELECT is_definer('api', 'monitoring_tool_usage_statistics', ARRAY['integer', 'text']);
SELECT is_definer('api', 'monitoring_data_integrity', ARRAY['integer', 'integer']);

-- privileges: the API role may execute, the BI role may not --------------------------------
SELECT function_privs_are('api', 'monitoring_storage_usage_by_category', ARRAY[]::text[], 'aio_api', ARRAY['EXECUTE']);
SELECT function_privs_are('api', 'monitoring_tool_usage_statistics', ARRAY['integer', 'text'], 'aio_api', ARRAY['EXECUTE']);
SELECT function_privs_are('api', 'monitoring_data_integrity', ARRAY['integer', 'integer'], 'aio_api', ARRAY['EXECUTE']);
SELECT function_privs_are('api', 'monitoring_storage_usage_by_category', ARRAY[]::text[], 'aio_bi', ARRAY[]::text[]);
SELECT function_privs_are('api', 'monitoring_tool_usage_statistics', ARRAY['integer', 'text'], 'aio_bi', ARRAY[]::text[]);
SELECT function_privs_are('api', 'monitoring_data_integrity', ARRAY['integer', 'integer'], 'aio_bi', ARRAY[]::text[]);

\ir fixtures/operations_nodes.sql
\ir fixtures/operations_data.sql

-- monitoring_storage_usage_by_category -------------------------------------------------------------
SELECT results_eq(
    $$ SELECT category, artifact_count, total_bytes, largest_bytes FROM api.monitoring_storage_usage_by_category() $$,
    $$ VALUES ('VISION', 2::bigint, 524288010::numeric, 524288000::bigint), ('NLP', 3, 368050176, 209715200), ('orphaned', 3, 3500, 2000) $$,
    'storage per category, largest total first, with an orphaned bucket');
SELECT results_eq(
    $$ SELECT average_bytes, share_of_bytes FROM api.monitoring_storage_usage_by_category() WHERE category IN ('orphaned', 'VISION') ORDER BY category $$,
    $$ VALUES (262144005.0, round(524288010 / 892341686.0, 4)), (1166.7, round(3500 / 892341686.0, 4)) $$,
    'average bytes and share of all bytes');
SELECT ok((SELECT abs(sum(share_of_bytes) - 1) < 0.001 FROM api.monitoring_storage_usage_by_category()), 'the shares add up to 1');

-- monitoring_tool_usage_statistics ---------------------------------------------------------------
SELECT results_eq(
    $$ SELECT name, version, category, artifact_count, total_bytes, share_of_artifacts FROM api.monitoring_tool_usage_statistics() $$,
    $$ VALUES ('ops-alpha', '1.10.0', 'NLP', 0::bigint, 0::numeric, 0::numeric), ('ops-alpha', '1.0.0', 'NLP', 3, 368050176, 0.375),
              ('ops-beta', '1.0.0', 'VISION', 1, 524288000, 0.125), ('ops-delta', '1.0.0', 'AUDIO', 0, 0, 0),
              ('ops-epsilon', '1.0.0', 'AUDIO', 0, 0, 0), ('ops-gamma', '1.0.0', 'VISION', 1, 10, 0.125),
              ('ops-zeta', '1.0.0', 'AUDIO', 0, 0, 0) $$,
    'per tool: artifacts, bytes and share of all 8 artifacts (orphans count in the total)');
SELECT results_eq(
    $$ SELECT first_artifact_at, last_artifact_at FROM api.monitoring_tool_usage_statistics() WHERE name IN ('ops-gamma', 'ops-delta') ORDER BY name $$,
    $$ VALUES (NULL::timestamptz, NULL::timestamptz), (now() - interval '720 hours', now() - interval '720 hours') $$,
    'first and last artifact times; null for a tool without artifacts');
SELECT is(
    (WITH p1 AS (SELECT * FROM api.monitoring_tool_usage_statistics("limit" => 3))
     SELECT array_agg(name) FROM api.monitoring_tool_usage_statistics(cursor => (SELECT cursor FROM p1 OFFSET 2))),
    '{ops-delta,ops-epsilon,ops-gamma,ops-zeta}'::text[], 'tool usage: the cursor continues');
SELECT throws_ok($$ SELECT * FROM api.monitoring_tool_usage_statistics("limit" => 0) $$,
    '22023', 'limit: must be between 1 and 1000, got 0', 'tool usage: limit 0: 22023');
SELECT throws_ok($$ SELECT * FROM api.monitoring_tool_usage_statistics(cursor => 'garbage') $$, '22023', NULL, 'tool usage: bad cursor: 22023');

-- monitoring_data_integrity ------------------------------------------------------------------------
SELECT results_eq(
    $$ SELECT check_name, status, problems FROM api.monitoring_data_integrity() $$,
    $$ VALUES ('orphaned_artifacts', 'warn', 3::bigint), ('active_tools_without_node', 'warn', 1),
              ('active_tools_on_unavailable_nodes', 'fail', 3), ('duplicate_checksums', 'warn', 1),
              ('nodes_never_seen', 'warn', 1), ('stale_nodes', 'warn', 2), ('schemas_not_objects', 'ok', 0),
              ('schemas_without_type', 'warn', 1), ('tools_with_invalid_schemas', 'ok', 0), ('artifacts_on_unknown_node', 'warn', 1),
              ('artifacts_from_the_future', 'ok', 0), ('heartbeats_from_the_future', 'fail', 1),
              ('deprecated_tools_still_targeted', 'ok', 0), ('invalid_indexes', 'ok', 0) $$,
    'every named check, each ok, warn or fail with its count');
SELECT results_eq(
    $$ SELECT check_name, sample_ids FROM api.monitoring_data_integrity()
       WHERE check_name IN ('orphaned_artifacts', 'duplicate_checksums', 'nodes_never_seen', 'active_tools_without_node',
                            'heartbeats_from_the_future', 'schemas_not_objects') $$,
    $$ VALUES ('orphaned_artifacts', ARRAY[pg_temp.a('o1'), pg_temp.a('o2'), pg_temp.a('o3')]::text[]),
              ('active_tools_without_node', ARRAY[pg_temp.t('c')]::text[]),
              ('duplicate_checksums', ARRAY[repeat('a', 64)]),
              ('nodes_never_seen', ARRAY[pg_temp.n('unknown')]::text[]),
              ('schemas_not_objects', '{}'::text[]),
              ('heartbeats_from_the_future', ARRAY[pg_temp.n('inactive')]::text[]) $$,
    'sample ids: the orphans (oldest first), the shared checksum, the node never seen');
SELECT ok((SELECT bool_and(description <> '') FROM api.monitoring_data_integrity()), 'every check says what it looks for');
RESET ROLE;  -- the helper is not the API's to call
SELECT is((SELECT ROW(c.status, c.problems, c.sample_ids)::text
           FROM orchestrator.integrity_check_counted('x', 'warn', 7, '{a,b,c,d,e,f,g}', 'seven') c),
    ROW('warn', 7::bigint, '{a,b,c,d,e}'::text[])::text, 'a counted check: its count, its severity, 5 samples at most');
SELECT is((SELECT c.status FROM orchestrator.integrity_check_counted('x', 'fail', 0, '{}', 'none') c), 'ok',
    'a counted check with no problems is ok');
SET LOCAL ROLE aio_api;
SELECT results_eq(
    $$ SELECT check_name, problems FROM api.monitoring_data_integrity(stale_after_seconds => 100, down_after_seconds => 400)
       WHERE check_name IN ('active_tools_on_unavailable_nodes', 'stale_nodes') $$,
    $$ VALUES ('active_tools_on_unavailable_nodes', 2::bigint), ('stale_nodes', 1) $$,
    'data integrity takes the health thresholds');
SELECT throws_ok($$ SELECT * FROM api.monitoring_data_integrity(stale_after_seconds => 10, down_after_seconds => 5) $$,
    '22023', 'down_after_seconds: must be at least stale_after_seconds (10), got 5', 'data integrity: thresholds out of order: 22023');

-- A tool stored before the registration check (its triggers off, as for a row of an older release).
RESET ROLE;
SET LOCAL session_replication_role = replica;
INSERT INTO orchestrator.tools (name, version, category, input_schema, output_schema)
VALUES ('ops-legacy', '1.0.0', 'NLP', '{"type": "strnig"}', '{"properties": {"x": {"$ref": "#/$defs/none"}}}'),
       ('ops-legacy-fixed', '1.0.0', 'NLP', '{"type": "string"}', '{}');
SET LOCAL session_replication_role = origin;
-- As data/tools_schemas_unfit lists them at deploy: both were refused then, one has been fixed since.
INSERT INTO orchestrator.tools_schemas_unfit (tool_id)
SELECT tool_id FROM orchestrator.tools WHERE name IN ('ops-legacy', 'ops-legacy-fixed');
SELECT results_eq(
    $$ SELECT status, problems, sample_ids FROM api.monitoring_data_integrity() WHERE check_name = 'tools_with_invalid_schemas' $$,
    $$ SELECT 'fail', 1::bigint, ARRAY[tool_id::text] FROM orchestrator.tools WHERE name = 'ops-legacy' $$,
    'a tool whose schemas the registration check refuses: fail, with its id');
-- The check compiles schemas: it runs for the two listed tools, not for every tool.
SET LOCAL track_functions = 'all';
CREATE TEMP TABLE fit_calls AS SELECT pg_stat_get_xact_function_calls('orchestrator.tool_schemas_fit(jsonb, jsonb)'::regprocedure) AS n;
SELECT count(*) FROM api.monitoring_data_integrity() \g /dev/null
SELECT is(pg_stat_get_xact_function_calls('orchestrator.tool_schemas_fit(jsonb, jsonb)'::regprocedure) - (SELECT coalesce(n, 0) FROM fit_calls),
    2::bigint, 'the stored schemas are checked for the 2 listed tools only, of ' || (SELECT count(*) FROM orchestrator.tools) || ' tools');
SELECT lives_ok($$ SELECT api.tool_update(tool_id => (SELECT tool_id FROM orchestrator.tools WHERE name = 'ops-legacy'),
                                          patch => '{"status": "INACTIVE"}') $$,
    'a stored schema is not checked again when the tool changes otherwise');

RESET ROLE;
SELECT * FROM finish();
ROLLBACK;
