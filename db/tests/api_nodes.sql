-- pgTAP: api/nodes
BEGIN;
SELECT plan(63);

-- A clean slate inside this transaction, whatever other tests left behind.
DELETE FROM orchestrator.invocations; DELETE FROM orchestrator.artifacts; DELETE FROM orchestrator.tools; DELETE FROM orchestrator.nodes;

-- signatures, volatility, security ----------------------------------------------------
SELECT has_function('api', 'node_create', ARRAY['text', 'text', 'text', 'text', 'jsonb', 'jsonb']);
SELECT has_function('api', 'node_get', ARRAY['uuid']);
SELECT has_function('api', 'node_list', ARRAY['text', 'text', 'integer', 'text']);
SELECT has_function('api', 'node_list_by_type', ARRAY['text', 'integer', 'text']);
SELECT has_function('api', 'node_list_active', ARRAY['integer', 'text']);
SELECT has_function('api', 'node_update', ARRAY['uuid', 'jsonb', 'bigint']);
SELECT has_function('api', 'node_delete', ARRAY['uuid', 'bigint']);
SELECT function_returns('api', 'node_create', ARRAY['text', 'text', 'text', 'text', 'jsonb', 'jsonb'], 'api.node');
SELECT function_returns('api', 'node_list', ARRAY['text', 'text', 'integer', 'text'], 'setof api.node_item');
SELECT function_returns('api', 'node_delete', ARRAY['uuid', 'bigint'], 'void');
SELECT volatility_is('api', 'node_get', ARRAY['uuid'], 'stable');
SELECT volatility_is('api', 'node_list', ARRAY['text', 'text', 'integer', 'text'], 'stable');
SELECT volatility_is('api', 'node_list_by_type', ARRAY['text', 'integer', 'text'], 'stable');
SELECT volatility_is('api', 'node_list_active', ARRAY['integer', 'text'], 'stable');
SELECT volatility_is('api', 'node_create', ARRAY['text', 'text', 'text', 'text', 'jsonb', 'jsonb'], 'volatile');
SELECT volatility_is('api', 'node_update', ARRAY['uuid', 'jsonb', 'bigint'], 'volatile');
SELECT volatility_is('api', 'node_delete', ARRAY['uuid', 'bigint'], 'volatile');
SELECT is_definer('api', 'node_create', ARRAY['text', 'text', 'text', 'text', 'jsonb', 'jsonb']);

-- privileges: the API role may execute, the BI role and PUBLIC may not -----------------
SELECT function_privs_are('api', 'node_create', ARRAY['text', 'text', 'text', 'text', 'jsonb', 'jsonb'], 'aio_api', ARRAY['EXECUTE']);
SELECT function_privs_are('api', 'node_get', ARRAY['uuid'], 'aio_api', ARRAY['EXECUTE']);
SELECT function_privs_are('api', 'node_list', ARRAY['text', 'text', 'integer', 'text'], 'aio_api', ARRAY['EXECUTE']);
SELECT function_privs_are('api', 'node_update', ARRAY['uuid', 'jsonb', 'bigint'], 'aio_api', ARRAY['EXECUTE']);
SELECT function_privs_are('api', 'node_delete', ARRAY['uuid', 'bigint'], 'aio_api', ARRAY['EXECUTE']);
SELECT function_privs_are('api', 'node_get', ARRAY['uuid'], 'aio_bi', ARRAY[]::text[]);
SELECT function_privs_are('api', 'node_create', ARRAY['text', 'text', 'text', 'text', 'jsonb', 'jsonb'], 'aio_bi', ARRAY[]::text[]);

-- behaviour, as the API role, with named arguments ------------------------------------
SET LOCAL ROLE aio_api;

SELECT lives_ok($$
    CREATE TEMP TABLE created AS
    SELECT * FROM api.node_create(node_type => 'TOOL_EXECUTOR', address => 'http://10.0.0.1:8080',
                                  name => 'tap-node-1', labels => '{"zone": "eu-1"}')
$$, 'node_create creates a node');
SELECT is((SELECT status FROM created), 'ACTIVE', 'status defaults to ACTIVE');
SELECT is((SELECT metadata FROM created), '{}'::jsonb, 'metadata defaults to {}');
SELECT is((SELECT name FROM api.node_get(node_id => (SELECT node_id FROM created))), 'tap-node-1', 'node_get finds it');
SELECT lives_ok($$ SELECT api.node_create(node_type => 'GPU_WORKER', address => 'grpc://gpu:50051', status => 'MAINTENANCE') $$,
    'a node needs no name');
SELECT lives_ok($$ SELECT api.node_create(node_type => 'TOOL_EXECUTOR', address => 'https://x.example/run') $$, 'https address');

SELECT is((SELECT count(*)::int FROM api.node_list(node_type => 'GPU_WORKER')), 1, 'node_list filters by node_type');
SELECT is((SELECT count(*)::int FROM api.node_list(status => 'MAINTENANCE')), 1, 'node_list filters by status');
SELECT is((SELECT count(*)::int FROM api.node_list_by_type(node_type => 'TOOL_EXECUTOR')), 2, 'node_list_by_type');
SELECT ok((SELECT bool_and(status = 'ACTIVE') FROM api.node_list_active()), 'node_list_active lists only ACTIVE nodes');

-- keyset pagination: two pages of 2 cover all 3 nodes, none repeated
SELECT is(
    (WITH p1 AS (SELECT * FROM api.node_list("limit" => 2)),
          p2 AS (SELECT * FROM api.node_list("limit" => 2, cursor => (SELECT cursor FROM p1 ORDER BY created_at DESC, node_id DESC LIMIT 1)))
     SELECT count(DISTINCT node_id)::int FROM (SELECT node_id FROM p1 UNION ALL SELECT node_id FROM p2) x),
    3, 'two keyset pages hold every node exactly once');

SELECT is((SELECT status FROM api.node_update(node_id => (SELECT node_id FROM created), patch => '{"status": "MAINTENANCE"}')),
    'MAINTENANCE', 'node_update changes a sent field');
SELECT is((SELECT labels FROM api.node_get(node_id => (SELECT node_id FROM created))), '{"zone": "eu-1"}'::jsonb,
    'node_update leaves fields not sent');
SELECT is((SELECT name FROM api.node_update(node_id => (SELECT node_id FROM created), patch => '{"name": null}')),
    NULL, 'an explicit null clears a nullable field');
SELECT ok((SELECT updated_at > created_at OR updated_at = now() FROM api.node_get(node_id => (SELECT node_id FROM created))),
    'updated_at is maintained');

-- errors, by SQLSTATE -------------------------------------------------------------------
SELECT throws_ok($$ SELECT api.node_create(node_type => 'TOOL_EXECUTOR', address => 'http://a', name => 'dup') ;
                    SELECT api.node_create(node_type => 'TOOL_EXECUTOR', address => 'http://b', name => 'dup') $$,
    '23505', 'name: a node with this name already exists', 'duplicate name: 23505');
SELECT throws_ok($$ SELECT api.node_create(node_type => 'tool executor', address => 'http://a') $$,
    '23514', 'node_type: must be an UPPER_SNAKE identifier of at most 64 characters, e.g. TOOL_EXECUTOR', 'bad node_type: 23514');
SELECT throws_ok($$ SELECT api.node_create(node_type => 'X', address => 'ftp://a') $$,
    '23514', 'address: must be an http://, https:// or grpc:// URL with a host', 'bad address: 23514');
SELECT throws_ok($$ SELECT api.node_create(node_type => 'X', address => 'http://a', status => 'DEAD') $$,
    '23514', 'status: must be one of ACTIVE, INACTIVE, MAINTENANCE, ERROR', 'bad status: 23514');
SELECT throws_ok($$ SELECT api.node_create(node_type => 'X', address => 'http://a', labels => '{"n": 1}') $$,
    '23514', 'labels: must be a JSON object whose values are all strings', 'labels with a non-string value: 23514');
SELECT throws_ok($$ SELECT api.node_create(node_type => 'X', address => 'http://a', metadata => '[]') $$,
    '23514', 'metadata: must be a JSON object', 'metadata not an object: 23514');
SELECT throws_ok($$ SELECT api.node_create(node_type => NULL, address => 'http://a') $$,
    '23502', 'node_type: is required and may not be null', 'missing node_type: 23502');
SELECT throws_ok($$ SELECT api.node_get(node_id => '00000000-0000-0000-0000-000000000000') $$,
    'P0002', 'node_id: no node has id 00000000-0000-0000-0000-000000000000', 'unknown node: P0002');
SELECT throws_ok($$ SELECT api.node_get(node_id => 'not-a-uuid') $$, '22P02', NULL, 'bad uuid: 22P02');
SELECT throws_ok($$ SELECT * FROM api.node_list("limit" => 0) $$, '22023', 'limit: must be between 1 and 1000, got 0', 'limit 0: 22023');
SELECT throws_ok($$ SELECT * FROM api.node_list("limit" => 1001) $$, '22023', NULL, 'limit 1001: 22023');
SELECT throws_ok($$ SELECT * FROM api.node_list(cursor => 'garbage') $$, '22023', NULL, 'bad cursor: 22023');
SELECT throws_ok($$ SELECT * FROM api.node_list(status => 'DEAD') $$, '22023',
    'status: must be one of ACTIVE, INACTIVE, MAINTENANCE, ERROR, got ''DEAD''', 'bad status filter: 22023');
SELECT throws_ok($$ SELECT api.node_update(node_id => (SELECT node_id FROM created), patch => '{"colour": "red"}') $$,
    '22023', 'colour: unknown field', 'unknown field in patch: 22023');
SELECT throws_ok($$ SELECT api.node_update(node_id => (SELECT node_id FROM created), patch => '{"labels": "x"}') $$,
    '22023', 'labels: must be a JSON object, got string', 'wrong JSON type in patch: 22023');
SELECT throws_ok($$ SELECT api.node_update(node_id => (SELECT node_id FROM created), patch => '[1]') $$,
    '22023', 'patch: must be a JSON object, got array', 'patch not an object: 22023');
SELECT throws_ok($$ SELECT api.node_update(node_id => (SELECT node_id FROM created), patch => '{"address": null}') $$,
    '23502', 'address: is required and may not be null', 'clearing a required field: 23502');
SELECT throws_ok($$ SELECT api.node_update(node_id => (SELECT node_id FROM created), patch => '{"last_heartbeat_at": "infinity"}') $$,
    '22023', 'last_heartbeat_at: set by the node''s heartbeats only, not by an update', 'last_heartbeat_at in patch: 22023');
SELECT throws_ok($$ SELECT api.node_update(node_id => (SELECT node_id FROM created), patch => '{"last_heartbeat_at": null}') $$,
    '22023', NULL, 'last_heartbeat_at: null in patch: 22023');
SELECT throws_ok($$ SELECT api.node_update(node_id => '00000000-0000-0000-0000-000000000000', patch => '{}') $$,
    'P0002', NULL, 'update of an unknown node: P0002');
SELECT throws_ok($$ SELECT api.node_delete(node_id => '00000000-0000-0000-0000-000000000000') $$,
    'P0002', NULL, 'delete of an unknown node: P0002');

SELECT lives_ok($$ SELECT api.node_delete(node_id => (SELECT node_id FROM created)) $$, 'node_delete deletes');
SELECT throws_ok($$ SELECT api.node_get(node_id => (SELECT node_id FROM created)) $$, 'P0002', NULL, 'a deleted node is gone');

RESET ROLE;
SELECT * FROM finish();
ROLLBACK;
