-- pgTAP: api/maintenance: /maintenance routes
BEGIN;
SELECT plan(73);

-- A clean slate inside this transaction, whatever other tests left behind.
DELETE FROM orchestrator.invocations; DELETE FROM orchestrator.artifacts; DELETE FROM orchestrator.tools; DELETE FROM orchestrator.nodes;

-- signatures: argument types, names and defaults (they are the HTTP contract), results ------
SELECT has_function('api', 'maintenance_cleanup_orphaned_artifacts', ARRAY['integer', 'boolean', 'integer']);
SELECT has_function('api', 'maintenance_update_tool_status', ARRAY['boolean', 'integer', 'integer']);
SELECT has_function('api', 'maintenance_tools_without_nodes', ARRAY['integer', 'text']);
SELECT has_function('api', 'maintenance_refresh_reporting', ARRAY[]::text[]);
SELECT is(pg_get_function_arguments('api.maintenance_cleanup_orphaned_artifacts(integer, boolean, integer)'::regprocedure),
    'older_than_days integer DEFAULT 7, dry_run boolean DEFAULT true, batch_size integer DEFAULT 1000', 'maintenance_cleanup_orphaned_artifacts: argument names and defaults');
SELECT is(pg_get_function_arguments('api.maintenance_update_tool_status(boolean, integer, integer)'::regprocedure),
    'dry_run boolean DEFAULT true, stale_after_seconds integer DEFAULT 30, down_after_seconds integer DEFAULT 120', 'maintenance_update_tool_status: argument names and defaults');
SELECT is(pg_get_function_arguments('api.maintenance_tools_without_nodes(integer, text)'::regprocedure),
    '"limit" integer DEFAULT 50, cursor text DEFAULT NULL::text', 'maintenance_tools_without_nodes: argument names and defaults');
SELECT is(pg_get_function_arguments('api.maintenance_refresh_reporting()'::regprocedure),
    '', 'maintenance_refresh_reporting: argument names and defaults');
SELECT function_returns('api', 'maintenance_cleanup_orphaned_artifacts', ARRAY['integer', 'boolean', 'integer'], 'api.cleanup_result');
SELECT function_returns('api', 'maintenance_update_tool_status', ARRAY['boolean', 'integer', 'integer'], 'setof api.tool_status_change');
SELECT function_returns('api', 'maintenance_tools_without_nodes', ARRAY['integer', 'text'], 'setof api.tool_without_node');
SELECT function_returns('api', 'maintenance_refresh_reporting', ARRAY[]::text[], 'setof api.refreshed_view');

-- volatility: STABLE behind GET, VOLATILE behind POST; SECURITY DEFINER ---------------------
SELECT volatility_is('api', 'maintenance_cleanup_orphaned_artifacts', ARRAY['integer', 'boolean', 'integer'], 'volatile');
SELECT volatility_is('api', 'maintenance_update_tool_status', ARRAY['boolean', 'integer', 'integer'], 'volatile');
SELECT volatility_is('api', 'maintenance_tools_without_nodes', ARRAY['integer', 'text'], 'stable');
SELECT volatility_is('api', 'maintenance_refresh_reporting', ARRAY[]::text[], 'volatile');
SELECT is_definer('api', 'maintenance_cleanup_orphaned_artifacts', ARRAY['integer', 'boolean', 'integer']);
SELECT is_definer('api', 'maintenance_update_tool_status', ARRAY['boolean', 'integer', 'integer']);
SELECT is_definer('api', 'maintenance_tools_without_nodes', ARRAY['integer', 'text']);
SELECT is_definer('api', 'maintenance_refresh_reporting', ARRAY[]::text[]);

-- privileges: the API role may execute, the BI role may not --------------------------------
SELECT function_privs_are('api', 'maintenance_cleanup_orphaned_artifacts', ARRAY['integer', 'boolean', 'integer'], 'aio_api', ARRAY['EXECUTE']);
SELECT function_privs_are('api', 'maintenance_update_tool_status', ARRAY['boolean', 'integer', 'integer'], 'aio_api', ARRAY['EXECUTE']);
SELECT function_privs_are('api', 'maintenance_tools_without_nodes', ARRAY['integer', 'text'], 'aio_api', ARRAY['EXECUTE']);
SELECT function_privs_are('api', 'maintenance_refresh_reporting', ARRAY[]::text[], 'aio_api', ARRAY['EXECUTE']);
SELECT function_privs_are('api', 'maintenance_cleanup_orphaned_artifacts', ARRAY['integer', 'boolean', 'integer'], 'aio_bi', ARRAY[]::text[]);
SELECT function_privs_are('api', 'maintenance_update_tool_status', ARRAY['boolean', 'integer', 'integer'], 'aio_bi', ARRAY[]::text[]);
SELECT function_privs_are('api', 'maintenance_tools_without_nodes', ARRAY['integer', 'text'], 'aio_bi', ARRAY[]::text[]);
SELECT function_privs_are('api', 'maintenance_refresh_reporting', ARRAY[]::text[], 'aio_bi', ARRAY[]::text[]);

\ir fixtures/operations_nodes.sql
\ir fixtures/operations_data.sql

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
DO $$ BEGIN
    PERFORM set_config('tap.toolless', (api.artifact_create(name => 'upload', uri => 's3://tap/upload')).artifact_id::text, true);
END $$;
RESET ROLE;
UPDATE orchestrator.artifacts SET created_at = now() - interval '30 days' WHERE artifact_id = current_setting('tap.toolless')::uuid;
SET LOCAL ROLE aio_api;
SELECT is((SELECT artifacts FROM api.maintenance_cleanup_orphaned_artifacts(older_than_days => 0, dry_run => false)), 0::bigint,
    'an artifact recorded without a tool is no orphan: the cleanup leaves it');
SELECT lives_ok(format($$ SELECT api.artifact_get(artifact_id => %L) $$, current_setting('tap.toolless')), 'and it is still there');
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
