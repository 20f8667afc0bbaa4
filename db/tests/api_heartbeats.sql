-- pgTAP: api/heartbeats: node heartbeats and derived health
BEGIN;
SELECT plan(28);

-- A clean slate inside this transaction, whatever other tests left behind.
DELETE FROM orchestrator.invocations; DELETE FROM orchestrator.artifacts; DELETE FROM orchestrator.tools; DELETE FROM orchestrator.nodes;

-- signatures: argument types, names and defaults (they are the HTTP contract), results ------
SELECT has_function('api', 'node_heartbeat', ARRAY['uuid', 'text', 'jsonb']);
SELECT is(pg_get_function_arguments('api.node_heartbeat(uuid, text, jsonb)'::regprocedure),
    'node_id uuid, status text DEFAULT NULL::text, load jsonb DEFAULT ''{}''::jsonb', 'node_heartbeat: argument names and defaults');
SELECT function_returns('api', 'node_heartbeat', ARRAY['uuid', 'text', 'jsonb'], 'api.node_beat');

-- volatility: STABLE behind GET, VOLATILE behind POST; SECURITY DEFINER ---------------------
SELECT volatility_is('api', 'node_heartbeat', ARRAY['uuid', 'text', 'jsonb'], 'volatile');
SELECT is_definer('api', 'node_heartbeat', ARRAY['uuid', 'text', 'jsonb']);

-- privileges: the API role may execute, the BI role may not --------------------------------
SELECT function_privs_are('api', 'node_heartbeat', ARRAY['uuid', 'text', 'jsonb'], 'aio_api', ARRAY['EXECUTE']);
SELECT function_privs_are('api', 'node_heartbeat', ARRAY['uuid', 'text', 'jsonb'], 'aio_bi', ARRAY[]::text[]);

\ir fixtures/operations_nodes.sql

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

-- a node key (role aio_node) reports on itself, and no more --------------------------------
GRANT SELECT ON nd TO aio_node;
DO $$ BEGIN PERFORM set_config('aio.node_id', pg_temp.n('inactive')::text, true); END $$;
SET LOCAL ROLE aio_node;
SELECT results_eq(
    $$ SELECT status, beat_count FROM api.node_heartbeat(node_id => pg_temp.n('inactive')) $$,
    $$ VALUES ('INACTIVE', 1::bigint) $$,
    'a node key beats for its own INACTIVE node; the status stays');
SELECT throws_ok($$ SELECT api.node_heartbeat(node_id => pg_temp.n('inactive'), status => 'ACTIVE') $$,
    '42501', 'status: a node key may not change its node from INACTIVE to ACTIVE',
    'a node key cannot bring its INACTIVE node back: 42501');
SELECT throws_ok($$ SELECT api.node_heartbeat(node_id => pg_temp.n('healthy')) $$,
    '42501', NULL, 'a node key cannot beat for another node: 42501');
RESET ROLE;
DO $$ BEGIN PERFORM set_config('aio.node_id', pg_temp.n('maint')::text, true); END $$;
SET LOCAL ROLE aio_node;
SELECT throws_ok($$ SELECT api.node_heartbeat(node_id => pg_temp.n('maint'), status => 'INACTIVE') $$,
    '42501', 'status: a node key may not change its node from MAINTENANCE to INACTIVE',
    'a node key cannot take its node out of service: 42501');
SELECT results_eq(
    $$ SELECT status, health FROM api.node_heartbeat(node_id => pg_temp.n('maint'), status => 'ACTIVE') $$,
    $$ VALUES ('ACTIVE', 'HEALTHY') $$,
    'a node key ends its own maintenance');
RESET ROLE;

-- what a beat costs: one xid (no subtransaction), no row lock before the update ---------------
SELECT unalike((SELECT prosrc FROM pg_proc WHERE oid = 'api.node_heartbeat(uuid, text, jsonb)'::regprocedure),
    '%EXCEPTION%WHEN%', 'node_heartbeat has no EXCEPTION block: no subtransaction, one xid per beat');
-- tgtype bits: 1 row, 2 before, 16 update.
SELECT is_empty($$ SELECT tgname FROM pg_trigger WHERE tgrelid = 'orchestrator.node_heartbeats'::regclass
                   AND NOT tgisinternal AND tgtype & 19 = 19 $$,
    'no BEFORE UPDATE row trigger on node_heartbeats: it would lock (and log) every beaten row first');

RESET ROLE;
SELECT * FROM finish();
ROLLBACK;
