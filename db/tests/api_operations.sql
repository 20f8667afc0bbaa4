-- pgTAP: operations: heartbeats and derived health, /queries, /maintenance, /monitoring, reporting refresh
BEGIN;
SELECT plan(223);

-- A clean slate inside this transaction, whatever other tests left behind.
DELETE FROM orchestrator.artifacts; DELETE FROM orchestrator.tools; DELETE FROM orchestrator.nodes;

-- signatures: argument types, names and defaults (they are the HTTP contract), results ------
SELECT has_function('api', 'node_heartbeat', ARRAY['uuid', 'text', 'jsonb']);
SELECT has_function('api', 'queries_active_tools_with_nodes', ARRAY['integer', 'integer', 'integer', 'text']);
SELECT has_function('api', 'queries_tools_by_category_with_tags', ARRAY['text', 'integer', 'integer', 'text']);
SELECT has_function('api', 'queries_node_health_status', ARRAY['integer', 'integer', 'text', 'integer', 'text']);
SELECT has_function('api', 'queries_large_artifacts_by_tool', ARRAY['bigint', 'integer', 'text']);
SELECT has_function('api', 'queries_search_tools_by_schema', ARRAY['jsonb', 'text', 'text', 'integer', 'text']);
SELECT has_function('api', 'maintenance_cleanup_orphaned_artifacts', ARRAY['integer', 'boolean', 'integer']);
SELECT has_function('api', 'maintenance_update_tool_status', ARRAY['boolean', 'integer', 'integer']);
SELECT has_function('api', 'maintenance_tools_without_nodes', ARRAY['integer', 'text']);
SELECT has_function('api', 'monitoring_storage_usage_by_category', ARRAY[]::text[]);
SELECT has_function('api', 'monitoring_tool_usage_statistics', ARRAY['integer', 'text']);
SELECT has_function('api', 'monitoring_data_integrity', ARRAY['integer', 'integer']);
SELECT has_function('api', 'maintenance_refresh_reporting', ARRAY[]::text[]);
SELECT is(pg_get_function_arguments('api.node_heartbeat(uuid, text, jsonb)'::regprocedure),
    'node_id uuid, status text DEFAULT NULL::text, load jsonb DEFAULT ''{}''::jsonb', 'node_heartbeat: argument names and defaults');
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
SELECT is(pg_get_function_arguments('api.maintenance_cleanup_orphaned_artifacts(integer, boolean, integer)'::regprocedure),
    'older_than_days integer DEFAULT 7, dry_run boolean DEFAULT true, batch_size integer DEFAULT 1000', 'maintenance_cleanup_orphaned_artifacts: argument names and defaults');
SELECT is(pg_get_function_arguments('api.maintenance_update_tool_status(boolean, integer, integer)'::regprocedure),
    'dry_run boolean DEFAULT true, stale_after_seconds integer DEFAULT 30, down_after_seconds integer DEFAULT 120', 'maintenance_update_tool_status: argument names and defaults');
SELECT is(pg_get_function_arguments('api.maintenance_tools_without_nodes(integer, text)'::regprocedure),
    '"limit" integer DEFAULT 50, cursor text DEFAULT NULL::text', 'maintenance_tools_without_nodes: argument names and defaults');
SELECT is(pg_get_function_arguments('api.monitoring_storage_usage_by_category()'::regprocedure),
    '', 'monitoring_storage_usage_by_category: argument names and defaults');
SELECT is(pg_get_function_arguments('api.monitoring_tool_usage_statistics(integer, text)'::regprocedure),
    '"limit" integer DEFAULT 50, cursor text DEFAULT NULL::text', 'monitoring_tool_usage_statistics: argument names and defaults');
SELECT is(pg_get_function_arguments('api.monitoring_data_integrity(integer, integer)'::regprocedure),
    'stale_after_seconds integer DEFAULT 30, down_after_seconds integer DEFAULT 120', 'monitoring_data_integrity: argument names and defaults');
SELECT is(pg_get_function_arguments('api.maintenance_refresh_reporting()'::regprocedure),
    '', 'maintenance_refresh_reporting: argument names and defaults');
SELECT function_returns('api', 'node_heartbeat', ARRAY['uuid', 'text', 'jsonb'], 'api.node_beat');
SELECT function_returns('api', 'queries_active_tools_with_nodes', ARRAY['integer', 'integer', 'integer', 'text'], 'setof api.active_tool');
SELECT function_returns('api', 'queries_tools_by_category_with_tags', ARRAY['text', 'integer', 'integer', 'text'], 'setof api.category_tools');
SELECT function_returns('api', 'queries_node_health_status', ARRAY['integer', 'integer', 'text', 'integer', 'text'], 'setof api.node_health');
SELECT function_returns('api', 'queries_large_artifacts_by_tool', ARRAY['bigint', 'integer', 'text'], 'setof api.tool_large_artifacts');
SELECT function_returns('api', 'queries_search_tools_by_schema', ARRAY['jsonb', 'text', 'text', 'integer', 'text'], 'setof api.tool_item');
SELECT function_returns('api', 'maintenance_cleanup_orphaned_artifacts', ARRAY['integer', 'boolean', 'integer'], 'api.cleanup_result');
SELECT function_returns('api', 'maintenance_update_tool_status', ARRAY['boolean', 'integer', 'integer'], 'setof api.tool_status_change');
SELECT function_returns('api', 'maintenance_tools_without_nodes', ARRAY['integer', 'text'], 'setof api.tool_without_node');
SELECT function_returns('api', 'monitoring_storage_usage_by_category', ARRAY[]::text[], 'setof api.category_storage');
SELECT function_returns('api', 'monitoring_tool_usage_statistics', ARRAY['integer', 'text'], 'setof api.tool_usage');
SELECT function_returns('api', 'monitoring_data_integrity', ARRAY['integer', 'integer'], 'setof api.integrity_check');
SELECT function_returns('api', 'maintenance_refresh_reporting', ARRAY[]::text[], 'setof api.refreshed_view');

-- volatility: STABLE behind GET, VOLATILE behind POST; SECURITY DEFINER ---------------------
SELECT volatility_is('api', 'node_heartbeat', ARRAY['uuid', 'text', 'jsonb'], 'volatile');
SELECT volatility_is('api', 'queries_active_tools_with_nodes', ARRAY['integer', 'integer', 'integer', 'text'], 'stable');
SELECT volatility_is('api', 'queries_tools_by_category_with_tags', ARRAY['text', 'integer', 'integer', 'text'], 'stable');
SELECT volatility_is('api', 'queries_node_health_status', ARRAY['integer', 'integer', 'text', 'integer', 'text'], 'stable');
SELECT volatility_is('api', 'queries_large_artifacts_by_tool', ARRAY['bigint', 'integer', 'text'], 'stable');
SELECT volatility_is('api', 'queries_search_tools_by_schema', ARRAY['jsonb', 'text', 'text', 'integer', 'text'], 'stable');
SELECT volatility_is('api', 'maintenance_cleanup_orphaned_artifacts', ARRAY['integer', 'boolean', 'integer'], 'volatile');
SELECT volatility_is('api', 'maintenance_update_tool_status', ARRAY['boolean', 'integer', 'integer'], 'volatile');
SELECT volatility_is('api', 'maintenance_tools_without_nodes', ARRAY['integer', 'text'], 'stable');
SELECT volatility_is('api', 'monitoring_storage_usage_by_category', ARRAY[]::text[], 'stable');
SELECT volatility_is('api', 'monitoring_tool_usage_statistics', ARRAY['integer', 'text'], 'stable');
SELECT volatility_is('api', 'monitoring_data_integrity', ARRAY['integer', 'integer'], 'stable');
SELECT volatility_is('api', 'maintenance_refresh_reporting', ARRAY[]::text[], 'volatile');
SELECT is_definer('api', 'node_heartbeat', ARRAY['uuid', 'text', 'jsonb']);
SELECT is_definer('api', 'queries_active_tools_with_nodes', ARRAY['integer', 'integer', 'integer', 'text']);
SELECT is_definer('api', 'queries_tools_by_category_with_tags', ARRAY['text', 'integer', 'integer', 'text']);
SELECT is_definer('api', 'queries_node_health_status', ARRAY['integer', 'integer', 'text', 'integer', 'text']);
SELECT is_definer('api', 'queries_large_artifacts_by_tool', ARRAY['bigint', 'integer', 'text']);
SELECT is_definer('api', 'queries_search_tools_by_schema', ARRAY['jsonb', 'text', 'text', 'integer', 'text']);
SELECT is_definer('api', 'maintenance_cleanup_orphaned_artifacts', ARRAY['integer', 'boolean', 'integer']);
SELECT is_definer('api', 'maintenance_update_tool_status', ARRAY['boolean', 'integer', 'integer']);
SELECT is_definer('api', 'maintenance_tools_without_nodes', ARRAY['integer', 'text']);
SELECT is_definer('api', 'monitoring_storage_usage_by_category', ARRAY[]::text[]);
SELECT is_definer('api', 'monitoring_tool_usage_statistics', ARRAY['integer', 'text']);
SELECT is_definer('api', 'monitoring_data_integrity', ARRAY['integer', 'integer']);
SELECT is_definer('api', 'maintenance_refresh_reporting', ARRAY[]::text[]);

-- privileges: the API role may execute, the BI role may not --------------------------------
SELECT function_privs_are('api', 'node_heartbeat', ARRAY['uuid', 'text', 'jsonb'], 'aio_api', ARRAY['EXECUTE']);
SELECT function_privs_are('api', 'queries_active_tools_with_nodes', ARRAY['integer', 'integer', 'integer', 'text'], 'aio_api', ARRAY['EXECUTE']);
SELECT function_privs_are('api', 'queries_tools_by_category_with_tags', ARRAY['text', 'integer', 'integer', 'text'], 'aio_api', ARRAY['EXECUTE']);
SELECT function_privs_are('api', 'queries_node_health_status', ARRAY['integer', 'integer', 'text', 'integer', 'text'], 'aio_api', ARRAY['EXECUTE']);
SELECT function_privs_are('api', 'queries_large_artifacts_by_tool', ARRAY['bigint', 'integer', 'text'], 'aio_api', ARRAY['EXECUTE']);
SELECT function_privs_are('api', 'queries_search_tools_by_schema', ARRAY['jsonb', 'text', 'text', 'integer', 'text'], 'aio_api', ARRAY['EXECUTE']);
SELECT function_privs_are('api', 'maintenance_cleanup_orphaned_artifacts', ARRAY['integer', 'boolean', 'integer'], 'aio_api', ARRAY['EXECUTE']);
SELECT function_privs_are('api', 'maintenance_update_tool_status', ARRAY['boolean', 'integer', 'integer'], 'aio_api', ARRAY['EXECUTE']);
SELECT function_privs_are('api', 'maintenance_tools_without_nodes', ARRAY['integer', 'text'], 'aio_api', ARRAY['EXECUTE']);
SELECT function_privs_are('api', 'monitoring_storage_usage_by_category', ARRAY[]::text[], 'aio_api', ARRAY['EXECUTE']);
SELECT function_privs_are('api', 'monitoring_tool_usage_statistics', ARRAY['integer', 'text'], 'aio_api', ARRAY['EXECUTE']);
SELECT function_privs_are('api', 'monitoring_data_integrity', ARRAY['integer', 'integer'], 'aio_api', ARRAY['EXECUTE']);
SELECT function_privs_are('api', 'maintenance_refresh_reporting', ARRAY[]::text[], 'aio_api', ARRAY['EXECUTE']);
SELECT function_privs_are('api', 'node_heartbeat', ARRAY['uuid', 'text', 'jsonb'], 'aio_bi', ARRAY[]::text[]);
SELECT function_privs_are('api', 'queries_active_tools_with_nodes', ARRAY['integer', 'integer', 'integer', 'text'], 'aio_bi', ARRAY[]::text[]);
SELECT function_privs_are('api', 'queries_tools_by_category_with_tags', ARRAY['text', 'integer', 'integer', 'text'], 'aio_bi', ARRAY[]::text[]);
SELECT function_privs_are('api', 'queries_node_health_status', ARRAY['integer', 'integer', 'text', 'integer', 'text'], 'aio_bi', ARRAY[]::text[]);
SELECT function_privs_are('api', 'queries_large_artifacts_by_tool', ARRAY['bigint', 'integer', 'text'], 'aio_bi', ARRAY[]::text[]);
SELECT function_privs_are('api', 'queries_search_tools_by_schema', ARRAY['jsonb', 'text', 'text', 'integer', 'text'], 'aio_bi', ARRAY[]::text[]);
SELECT function_privs_are('api', 'maintenance_cleanup_orphaned_artifacts', ARRAY['integer', 'boolean', 'integer'], 'aio_bi', ARRAY[]::text[]);
SELECT function_privs_are('api', 'maintenance_update_tool_status', ARRAY['boolean', 'integer', 'integer'], 'aio_bi', ARRAY[]::text[]);
SELECT function_privs_are('api', 'maintenance_tools_without_nodes', ARRAY['integer', 'text'], 'aio_bi', ARRAY[]::text[]);
SELECT function_privs_are('api', 'monitoring_storage_usage_by_category', ARRAY[]::text[], 'aio_bi', ARRAY[]::text[]);
SELECT function_privs_are('api', 'monitoring_tool_usage_statistics', ARRAY['integer', 'text'], 'aio_bi', ARRAY[]::text[]);
SELECT function_privs_are('api', 'monitoring_data_integrity', ARRAY['integer', 'integer'], 'aio_bi', ARRAY[]::text[]);
SELECT function_privs_are('api', 'maintenance_refresh_reporting', ARRAY[]::text[], 'aio_bi', ARRAY[]::text[]);

-- arrange: seven nodes, one per health, created through the api as the API role -------------
SET LOCAL ROLE aio_api;
CREATE TEMP TABLE nd (k text PRIMARY KEY, node_id uuid NOT NULL);
CREATE TEMP TABLE td (k text PRIMARY KEY, tool_id uuid);
CREATE TEMP TABLE ad (k text PRIMARY KEY, artifact_id uuid NOT NULL);
CREATE FUNCTION pg_temp.n(text) RETURNS uuid LANGUAGE sql STABLE AS 'SELECT node_id FROM nd WHERE k = $1';
CREATE FUNCTION pg_temp.t(text) RETURNS uuid LANGUAGE sql STABLE AS 'SELECT tool_id FROM td WHERE k = $1';
CREATE FUNCTION pg_temp.a(text) RETURNS uuid LANGUAGE sql STABLE AS 'SELECT artifact_id FROM ad WHERE k = $1';

INSERT INTO nd
SELECT k, (api.node_create(node_type => 'TOOL_EXECUTOR', address => 'http://10.9.0.' || i || ':8080',
                           name => 'ops-' || k, status => s)).node_id
FROM (VALUES (1, 'healthy', 'ACTIVE'), (2, 'stale', 'ACTIVE'), (3, 'down', 'ACTIVE'), (4, 'error', 'ERROR'),
             (5, 'maint', 'MAINTENANCE'), (6, 'inactive', 'INACTIVE'), (7, 'unknown', 'ACTIVE')) v(i, k, s);

-- node_heartbeat ---------------------------------------------------------------------------
SELECT results_eq(
    $$ SELECT node_id, status, health, beat_count, load, last_heartbeat_at FROM api.node_heartbeat(node_id => pg_temp.n('healthy')) $$,
    $$ VALUES (pg_temp.n('healthy'), 'ACTIVE', 'HEALTHY', 1::bigint, '{}'::jsonb, now()) $$,
    'the first heartbeat creates the beat: count 1, empty load, now, health HEALTHY');
SELECT results_eq(
    $$ SELECT status, health, beat_count, load FROM api.node_heartbeat(node_id => pg_temp.n('healthy'), load => '{"cpu": 0.42, "running_jobs": 3}') $$,
    $$ VALUES ('ACTIVE', 'HEALTHY', 2::bigint, '{"cpu": 0.42, "running_jobs": 3}'::jsonb) $$,
    'the next heartbeat increments beat_count and stores the load');
SELECT is((SELECT last_heartbeat_at FROM api.node_get(node_id => pg_temp.n('healthy'))), now(), 'node_get shows the last heartbeat');
SELECT results_eq(
    $$ SELECT status, health, beat_count FROM api.node_heartbeat(node_id => pg_temp.n('healthy'), status => 'MAINTENANCE') $$,
    $$ VALUES ('MAINTENANCE', 'MAINTENANCE', 3::bigint) $$,
    'a heartbeat with a status changes the node''s status');
SELECT is((SELECT status FROM api.node_get(node_id => pg_temp.n('healthy'))), 'MAINTENANCE', 'the new status is stored on the node');
SELECT results_eq(
    $$ SELECT status, health, beat_count, load FROM api.node_heartbeat(node_id => pg_temp.n('healthy')) $$,
    $$ VALUES ('MAINTENANCE', 'MAINTENANCE', 4::bigint, '{}'::jsonb) $$,
    'a heartbeat without a status leaves the status alone (and resets load to {})');
SELECT results_eq(
    $$ SELECT status, health FROM api.node_heartbeat(node_id => pg_temp.n('healthy'), status => 'ACTIVE') $$,
    $$ VALUES ('ACTIVE', 'HEALTHY') $$,
    'back to ACTIVE by heartbeat: HEALTHY');
SELECT results_eq(
    $$ SELECT status, health FROM api.node_heartbeat(node_id => pg_temp.n('error')) $$,
    $$ VALUES ('ERROR', 'DOWN') $$,
    'a node in ERROR is DOWN however fresh its beat');

SELECT throws_ok($$ SELECT api.node_heartbeat(node_id => '00000000-0000-0000-0000-000000000000') $$,
    'P0002', 'node_id: no node has id 00000000-0000-0000-0000-000000000000', 'heartbeat of an unknown node: P0002');
SELECT throws_ok($$ SELECT api.node_heartbeat(node_id => pg_temp.n('healthy'), load => '[1, 2]') $$,
    '23514', 'load: must be a JSON object of at most 4 kB', 'load not an object: 23514');
SELECT throws_ok($$ SELECT api.node_heartbeat(node_id => pg_temp.n('healthy'), load => jsonb_build_object('blob', repeat('x', 5000))) $$,
    '23514', 'load: must be a JSON object of at most 4 kB', 'load over 4 kB: 23514');
SELECT throws_ok($$ SELECT api.node_heartbeat(node_id => pg_temp.n('healthy'), status => 'DEAD') $$,
    '22023', 'status: must be one of ACTIVE, INACTIVE, MAINTENANCE, ERROR, got ''DEAD''', 'unknown status: 22023');
SELECT throws_ok($$ SELECT api.node_heartbeat(node_id => 'not-a-uuid') $$, '22P02', NULL, 'node_id not a uuid: 22P02');
SELECT is((SELECT beat_count FROM api.node_heartbeat(node_id => pg_temp.n('healthy'))), 6::bigint, 'failed beats count for nothing');

-- arrange: old and future heartbeats (a backfill through node_update), tools, artifacts --------
DO $do$ BEGIN
    PERFORM api.node_update(node_id => pg_temp.n('stale'), patch => jsonb_build_object('last_heartbeat_at', now() - interval '60 seconds'));
    PERFORM api.node_update(node_id => pg_temp.n('down'), patch => jsonb_build_object('last_heartbeat_at', now() - interval '300 seconds'));
    PERFORM api.node_update(node_id => pg_temp.n('inactive'), patch => jsonb_build_object('last_heartbeat_at', now() + interval '1 hour'));
END $do$;

INSERT INTO td
SELECT k, (api.tool_create(name => nm, version => ver, category => cat, target_node_id => pg_temp.n(nk), status => st,
                           tags => tg, input_schema => i, output_schema => o)).tool_id
FROM (VALUES
    ('a',  'ops-alpha',   '1.0.0',  'NLP',    'healthy',  'ACTIVE',   '{nlp,fast}'::text[],
     '{"type": "object", "properties": {"text": {"type": "string"}}}'::jsonb, '{"type": "object", "properties": {"summary": {"type": "string"}}}'::jsonb),
    ('a2', 'ops-alpha',   '1.10.0', 'NLP',    'stale',    'ACTIVE',   '{nlp}', '{}', '{}'),
    ('b',  'ops-beta',    '1.0.0',  'VISION', 'down',     'ACTIVE',   '{vision}',
     '{"type": "object", "properties": {"image_url": {"type": "string"}}}', '{"type": "object", "properties": {"labels": {"type": "array"}}}'),
    ('c',  'ops-gamma',   '1.0.0',  'VISION', NULL,       'ACTIVE',   '{}', '{"properties": {"text": {"type": "number"}}}', '{}'),
    ('d',  'ops-delta',   '1.0.0',  'AUDIO',  'healthy',  'INACTIVE', '{audio}', '{}', '{}'),
    ('e',  'ops-epsilon', '1.0.0',  'AUDIO',  'maint',    'ACTIVE',   '{audio}', '{}', '{}'),
    ('f',  'ops-zeta',    '1.0.0',  'AUDIO',  'inactive', 'ACTIVE',   '{}', '{}', '{}'),
    ('x',  'ops-doomed',  '1.0.0',  'AUDIO',  NULL,       'ACTIVE',   '{}', '{}', '{}')
) v(k, nm, ver, cat, nk, st, tg, i, o);

INSERT INTO ad
SELECT k, (api.artifact_create(name => k || '.bin', uri => 's3://ops/' || k, tool_id => pg_temp.t(tk), node_id => pg_temp.n(nk),
                               size_bytes => sz, checksum_sha256 => ck)).artifact_id
FROM (VALUES
    ('a1', 'a', 'healthy', 209715200::bigint, repeat('a', 64)),
    ('a2', 'a', 'healthy', 157286400, NULL),
    ('a3', 'a', 'healthy', 1048576, NULL),
    ('b1', 'b', 'down',    524288000, repeat('a', 64)),
    ('c1', 'c', NULL,      10, NULL),
    ('o1', 'x', NULL,      1000, NULL),
    ('o2', 'x', NULL,      2000, NULL),
    ('o3', 'x', NULL,      500, NULL)
) v(k, tk, nk, sz, ck);
DO $do$ BEGIN PERFORM api.tool_delete(tool_id => pg_temp.t('x')); END $do$;  -- o1, o2, o3 become orphans

-- artifact times cannot be set through the api: arranged as the superuser
RESET ROLE;
UPDATE orchestrator.artifacts a SET created_at = now() - v.age
FROM (VALUES ('c1', interval '720 hours'), ('o1', interval '240 hours'), ('o2', interval '216 hours'), ('o3', interval '24 hours')) v(k, age)
WHERE a.artifact_id = pg_temp.a(v.k);
SET LOCAL ROLE aio_api;

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
SELECT is(
    (WITH p1 AS (SELECT * FROM api.queries_search_tools_by_schema(property => 'text', "limit" => 1))
     SELECT array_agg(tool_id) FROM api.queries_search_tools_by_schema(property => 'text', cursor => (SELECT cursor FROM p1))),
    ARRAY[pg_temp.t('c')], 'schema search: the cursor continues after the first tool');
CREATE TEMP TABLE odd_schema AS
SELECT tool_id FROM api.tool_create(name => 'ops-odd', version => '1.0.0', category => 'NLP',
                                    input_schema => '{"properties": ["text"]}');
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

-- maintenance_tools_without_nodes ---------------------------------------------------------------
SELECT results_eq(
    $$ SELECT tool_id, name, status, target_node_id, node_status, problem FROM api.maintenance_tools_without_nodes() $$,
    $$ VALUES (pg_temp.t('e'), 'ops-epsilon', 'ACTIVE', pg_temp.n('maint'), 'MAINTENANCE', 'target node is MAINTENANCE'),
              (pg_temp.t('c'), 'ops-gamma', 'ACTIVE', NULL, NULL, 'no target node'),
              (pg_temp.t('f'), 'ops-zeta', 'ACTIVE', pg_temp.n('inactive'), 'INACTIVE', 'target node is INACTIVE') $$,
    'tools without a usable node, by name, with what is wrong');
SELECT is(
    (WITH p1 AS (SELECT * FROM api.maintenance_tools_without_nodes("limit" => 2))
     SELECT array_agg(name) FROM api.maintenance_tools_without_nodes(cursor => (SELECT cursor FROM p1 OFFSET 1))),
    '{ops-zeta}'::text[], 'tools without nodes: the cursor continues');
SELECT throws_ok($$ SELECT * FROM api.maintenance_tools_without_nodes("limit" => 0) $$,
    '22023', 'limit: must be between 1 and 1000, got 0', 'tools without nodes: limit 0: 22023');
SELECT throws_ok($$ SELECT * FROM api.maintenance_tools_without_nodes(cursor => 'garbage') $$, '22023', NULL, 'tools without nodes: bad cursor: 22023');

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
              ('schemas_without_type', 'warn', 1), ('artifacts_on_unknown_node', 'warn', 1),
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

-- maintenance_refresh_reporting --------------------------------------------------------------------
SELECT results_eq(
    $$ SELECT view_name, row_count FROM api.maintenance_refresh_reporting() $$,
    $$ VALUES ('reporting.artifacts_by_day', 6::bigint) $$,
    'refresh_reporting refreshes artifacts_by_day and counts its rows (2 today, 1 a month ago, 3 orphan days)');
RESET ROLE;
SELECT results_eq(
    $$ SELECT category, artifact_count, total_bytes FROM reporting.artifacts_by_day
       WHERE day = (now() AT TIME ZONE 'UTC')::date ORDER BY category $$,
    $$ VALUES ('NLP', 3::bigint, 368050176::numeric), ('VISION', 1, 524288000) $$,
    'the refreshed view holds today''s artifacts per category');
SELECT is((SELECT sum(artifact_count)::int FROM reporting.artifacts_by_day WHERE category = 'orphaned'), 3, 'and the orphans');
SET LOCAL ROLE aio_api;

-- update_tool_status keeps its work out of the caller's pg_temp (first call in this transaction) -----
CREATE TEMP TABLE tool_status_changes (tool_id uuid);
SELECT lives_ok($$ SELECT * FROM api.maintenance_update_tool_status() $$,
    'a table named tool_status_changes in the caller''s pg_temp neither breaks nor feeds the rule');
DROP TABLE tool_status_changes;

-- PT409: a second session holds the locks of a running cleanup and a running status update
-- (before any real run here: this transaction would hold them itself until its end) -----------
RESET ROLE;
CREATE EXTENSION IF NOT EXISTS dblink;
SELECT is(dblink_connect('ops_lock', format('dbname=%s user=%s port=%s host=%s', current_database(), current_user,
                         current_setting('port'), split_part(current_setting('unix_socket_directories'), ',', 1))),
    'OK', 'a second session connects');
SELECT is((SELECT a || b FROM dblink('ops_lock', $q$
               SELECT pg_try_advisory_lock(hashtext('orchestrator.cleanup_orphaned_artifacts'))::text,
                      pg_try_advisory_lock(hashtext('orchestrator.update_tool_status'))::text $q$) AS l(a text, b text)),
    'truetrue', 'it takes both advisory locks');
SET LOCAL ROLE aio_api;
SELECT throws_ok($$ SELECT api.maintenance_cleanup_orphaned_artifacts(dry_run => false) $$,
    'PT409', 'another cleanup of orphaned artifacts is running; retry when it is done', 'a concurrent cleanup is refused: PT409');
SELECT lives_ok($$ SELECT api.maintenance_cleanup_orphaned_artifacts() $$, 'a dry run cleanup needs no lock');
SELECT throws_ok($$ SELECT * FROM api.maintenance_update_tool_status(dry_run => false) $$,
    'PT409', 'another tool status update is running; retry when it is done', 'a concurrent status update is refused: PT409');
SELECT lives_ok($$ SELECT * FROM api.maintenance_update_tool_status() $$, 'a dry run status update needs no lock');
RESET ROLE;
SELECT is(dblink_disconnect('ops_lock'), 'OK', 'the second session lets go');
SET LOCAL ROLE aio_api;

-- maintenance_cleanup_orphaned_artifacts ------------------------------------------------------------
SELECT results_eq(
    $$ SELECT dry_run, older_than, artifacts, bytes, artifact_ids, remaining FROM api.maintenance_cleanup_orphaned_artifacts() $$,
    $$ SELECT true, interval '7 days', 2::bigint, 3000::numeric,
              (SELECT array_agg(x ORDER BY x) FROM unnest(ARRAY[pg_temp.a('o1'), pg_temp.a('o2')]) x), 0::bigint $$,
    'a dry run by default: the orphans older than 7 days, their bytes and ids');
SELECT is((SELECT count(*)::int FROM api.artifact_list("limit" => 1000)), 8, 'a dry run deletes nothing');
SELECT results_eq(
    $$ SELECT dry_run, artifacts, artifact_ids, remaining FROM api.maintenance_cleanup_orphaned_artifacts(batch_size => 1) $$,
    $$ VALUES (true, 1::bigint, ARRAY[pg_temp.a('o1')], 1::bigint) $$,
    'a dry run with batch_size 1: the oldest, and 1 remaining');
SELECT results_eq(
    $$ SELECT dry_run, artifacts, bytes, artifact_ids, remaining FROM api.maintenance_cleanup_orphaned_artifacts(dry_run => false, batch_size => 1) $$,
    $$ VALUES (false, 1::bigint, 1000::numeric, ARRAY[pg_temp.a('o1')], 1::bigint) $$,
    'a real run deletes one batch, oldest first, and says how many remain');
SELECT throws_ok($$ SELECT api.artifact_get(artifact_id => pg_temp.a('o1')) $$, 'P0002', NULL, 'the deleted orphan is gone');
SELECT results_eq(
    $$ SELECT artifacts, artifact_ids, remaining FROM api.maintenance_cleanup_orphaned_artifacts(older_than_days => 7, dry_run => false) $$,
    $$ VALUES (1::bigint, ARRAY[pg_temp.a('o2')], 0::bigint) $$,
    'the next run takes the rest');
SELECT results_eq(
    $$ SELECT artifacts, bytes, artifact_ids, remaining FROM api.maintenance_cleanup_orphaned_artifacts(dry_run => false) $$,
    $$ VALUES (0::bigint, 0::numeric, '{}'::uuid[], 0::bigint) $$,
    'then there is nothing left to do');
SELECT is((SELECT array_agg(artifact_id ORDER BY name) FROM api.artifact_list("limit" => 1000) WHERE artifact_id IN (pg_temp.a('o3'), pg_temp.a('c1'))),
    ARRAY[pg_temp.a('c1'), pg_temp.a('o3')], 'a newer orphan and an old artifact that has its tool survive');
SELECT results_eq(
    $$ SELECT artifacts, artifact_ids FROM api.maintenance_cleanup_orphaned_artifacts(older_than_days => 0, dry_run => false) $$,
    $$ VALUES (1::bigint, ARRAY[pg_temp.a('o3')]) $$,
    'older_than_days => 0 takes every orphan');
SELECT is((SELECT count(*)::int FROM api.artifact_list("limit" => 1000)), 5, 'five artifacts with a tool remain');
SELECT throws_ok($$ SELECT api.maintenance_cleanup_orphaned_artifacts(older_than_days => -1) $$,
    '22023', 'older_than_days: must be between 0 and 36500, got -1', 'negative older_than_days: 22023');
SELECT throws_ok($$ SELECT api.maintenance_cleanup_orphaned_artifacts(batch_size => 0) $$,
    '22023', 'batch_size: must be between 1 and 10000, got 0', 'batch_size 0: 22023');
SELECT throws_ok($$ SELECT api.maintenance_cleanup_orphaned_artifacts(batch_size => 10001) $$,
    '22023', 'batch_size: must be between 1 and 10000, got 10001', 'batch_size 10001: 22023');
SELECT throws_ok($$ SELECT api.maintenance_cleanup_orphaned_artifacts(dry_run => NULL) $$,
    '22023', 'dry_run: must be true or false', 'dry_run null: 22023');

-- maintenance_update_tool_status ---------------------------------------------------------------------
SELECT results_eq(
    $$ SELECT tool_id, old_status, new_status, reason, node_id, applied FROM api.maintenance_update_tool_status() $$,
    $$ VALUES (pg_temp.t('b'), 'ACTIVE', 'INACTIVE', 'target node is DOWN (silent for 300 s)', pg_temp.n('down'), false),
              (pg_temp.t('e'), 'ACTIVE', 'INACTIVE', 'target node is MAINTENANCE', pg_temp.n('maint'), false),
              (pg_temp.t('c'), 'ACTIVE', 'INACTIVE', 'no target node', NULL, false),
              (pg_temp.t('f'), 'ACTIVE', 'INACTIVE', 'target node is INACTIVE', pg_temp.n('inactive'), false) $$,
    'a dry run by default: ACTIVE tools on a DOWN, not ACTIVE or missing node, with the reason');
SELECT is((SELECT count(*)::int FROM api.tool_list(status => 'ACTIVE')), 6, 'a dry run changes nothing');
SELECT is((SELECT array_agg(tool_id) FROM api.maintenance_update_tool_status(stale_after_seconds => 100, down_after_seconds => 400)),
    ARRAY[pg_temp.t('e'), pg_temp.t('c'), pg_temp.t('f')], 'at 100/400 the node silent for 300 s is not DOWN');
SELECT results_eq(
    $$ SELECT tool_id, new_status, applied FROM api.maintenance_update_tool_status(dry_run => false) $$,
    $$ VALUES (pg_temp.t('b'), 'INACTIVE', true), (pg_temp.t('e'), 'INACTIVE', true), (pg_temp.t('c'), 'INACTIVE', true),
              (pg_temp.t('f'), 'INACTIVE', true) $$,
    'a real run applies the changes');
SELECT is((SELECT array_agg(tool_id) FROM api.tool_list(status => 'ACTIVE')), ARRAY[pg_temp.t('a2'), pg_temp.t('a')],
    'only the tools on a HEALTHY or STALE node stay ACTIVE');
SELECT is_empty($$ SELECT * FROM api.maintenance_update_tool_status(dry_run => false) $$, 'a second run finds nothing to do');
RESET ROLE;
SELECT results_eq(
    $$ SELECT tool_id, reason, node_id FROM orchestrator.tool_deactivations ORDER BY reason $$,
    $$ VALUES (pg_temp.t('c'), 'no target node', NULL::uuid), (pg_temp.t('b'), 'target node is DOWN (silent for 300 s)', pg_temp.n('down')),
              (pg_temp.t('f'), 'target node is INACTIVE', pg_temp.n('inactive')), (pg_temp.t('e'), 'target node is MAINTENANCE', pg_temp.n('maint')) $$,
    'the rule records which tools it deactivated, and why');
SET LOCAL ROLE aio_api;

-- the nodes come back; ops-zeta is switched on and off again by hand meanwhile
DO $do$ BEGIN
    PERFORM api.node_heartbeat(node_id => pg_temp.n('down'));
    PERFORM api.node_heartbeat(node_id => pg_temp.n('maint'), status => 'ACTIVE');
    PERFORM api.node_heartbeat(node_id => pg_temp.n('inactive'), status => 'ACTIVE');
    PERFORM api.tool_update(tool_id => pg_temp.t('f'), patch => '{"status": "ACTIVE"}');
    PERFORM api.tool_update(tool_id => pg_temp.t('f'), patch => '{"status": "INACTIVE"}');
END $do$;
SELECT results_eq(
    $$ SELECT tool_id, old_status, new_status, reason, node_id, applied FROM api.maintenance_update_tool_status() $$,
    $$ VALUES (pg_temp.t('b'), 'INACTIVE', 'ACTIVE', 'target node is HEALTHY again', pg_temp.n('down'), false),
              (pg_temp.t('e'), 'INACTIVE', 'ACTIVE', 'target node is HEALTHY again', pg_temp.n('maint'), false) $$,
    'once their node is HEALTHY the rule would re-activate the tools it deactivated, and no others');
SELECT results_eq(
    $$ SELECT tool_id, new_status, applied FROM api.maintenance_update_tool_status(dry_run => false) $$,
    $$ VALUES (pg_temp.t('b'), 'ACTIVE', true), (pg_temp.t('e'), 'ACTIVE', true) $$,
    'a real run re-activates them');
SELECT results_eq(
    $$ SELECT name, status FROM api.tool_list() $$,
    $$ VALUES ('ops-alpha', 'ACTIVE'), ('ops-alpha', 'ACTIVE'), ('ops-beta', 'ACTIVE'), ('ops-delta', 'INACTIVE'),
              ('ops-epsilon', 'ACTIVE'), ('ops-gamma', 'INACTIVE'), ('ops-zeta', 'INACTIVE') $$,
    'tools set INACTIVE by hand (ops-delta, ops-zeta) stay INACTIVE; ops-gamma still has no node');
SELECT is_empty($$ SELECT * FROM api.maintenance_update_tool_status(dry_run => false) $$, 'and the rule is at rest');
RESET ROLE;
SELECT is((SELECT array_agg(tool_id) FROM orchestrator.tool_deactivations), ARRAY[pg_temp.t('c')],
    'only the tool still without a node stays in the rule''s hands');
SET LOCAL ROLE aio_api;
SELECT throws_ok($$ SELECT * FROM api.maintenance_update_tool_status(dry_run => NULL) $$,
    '22023', 'dry_run: must be true or false', 'update_tool_status: dry_run null: 22023');
SELECT throws_ok($$ SELECT * FROM api.maintenance_update_tool_status(stale_after_seconds => 30, down_after_seconds => 10) $$,
    '22023', 'down_after_seconds: must be at least stale_after_seconds (30), got 10', 'update_tool_status: thresholds out of order: 22023');

RESET ROLE;
SELECT * FROM finish();
ROLLBACK;
