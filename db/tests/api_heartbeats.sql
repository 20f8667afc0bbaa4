-- pgTAP: api/heartbeats: node heartbeats and derived health
BEGIN;
SELECT plan(90);

-- A clean slate inside this transaction, whatever other tests left behind.
DELETE FROM orchestrator.invocations; DELETE FROM orchestrator.artifacts; DELETE FROM orchestrator.tools; DELETE FROM orchestrator.nodes;

-- signatures: argument types, names and defaults (they are the HTTP contract), results ------
SELECT has_function('api', 'node_heartbeat', ARRAY['uuid', 'text', 'jsonb', 'uuid[]', 'text']);
SELECT is(pg_get_function_arguments('api.node_heartbeat(uuid, text, jsonb, uuid[], text)'::regprocedure),
    'node_id uuid, status text DEFAULT NULL::text, load jsonb DEFAULT ''{}''::jsonb, running_invocation_ids uuid[] DEFAULT NULL::uuid[], agent text DEFAULT NULL::text',
    'node_heartbeat: argument names and defaults');
SELECT hasnt_function('api', 'node_heartbeat', ARRAY['uuid', 'text', 'jsonb'], 'the released signature without running_invocation_ids is gone');
SELECT function_returns('api', 'node_heartbeat', ARRAY['uuid', 'text', 'jsonb', 'uuid[]', 'text'], 'api.node_beat');

-- volatility: STABLE behind GET, VOLATILE behind POST; SECURITY DEFINER ---------------------
SELECT volatility_is('api', 'node_heartbeat', ARRAY['uuid', 'text', 'jsonb', 'uuid[]', 'text'], 'volatile');
SELECT is_definer('api', 'node_heartbeat', ARRAY['uuid', 'text', 'jsonb', 'uuid[]', 'text']);

-- privileges: the API role may execute, the BI role may not --------------------------------
SELECT function_privs_are('api', 'node_heartbeat', ARRAY['uuid', 'text', 'jsonb', 'uuid[]', 'text'], 'aio_api', ARRAY['EXECUTE']);
SELECT function_privs_are('api', 'node_heartbeat', ARRAY['uuid', 'text', 'jsonb', 'uuid[]', 'text'], 'aio_bi', ARRAY[]::text[]);
SELECT ok(has_function_privilege('aio_node', 'api.node_heartbeat(uuid, text, jsonb, uuid[], text)', 'EXECUTE')
          AND has_function_privilege('aio_writer', 'api.node_heartbeat(uuid, text, jsonb, uuid[], text)', 'EXECUTE')
          AND NOT has_function_privilege('aio_reader', 'api.node_heartbeat(uuid, text, jsonb, uuid[], text)', 'EXECUTE'),
    'a node key and a writer beat; a reader may not');

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

-- running_invocation_ids: the beat ends what the node's agent does not hold -------------------
-- Nodes ra and rb; invocations k1, k2, k3, k4, k5 (max_attempts 1) run on ra, kb on rb.
INSERT INTO nd SELECT k, (api.node_create(node_type => 'TOOL_EXECUTOR', address => 'http://10.9.1.' || i || ':8080', name => 'ops-' || k)).node_id
FROM (VALUES (1, 'ra'), (2, 'rb')) v(i, k);
INSERT INTO td VALUES ('run', (api.tool_create(name => 'ops-run', version => '1.0.0', category => 'TEST')).tool_id);
-- A lease of an hour: here no lease expires, every ending is the list's doing.
SELECT lease_seconds FROM api.tool_invocation_settings_update(tool_id => pg_temp.t('run'), lease_seconds => 3600) \g /dev/null
CREATE TEMP TABLE iv (k text PRIMARY KEY, invocation_id uuid NOT NULL);
CREATE FUNCTION pg_temp.i(text) RETURNS uuid LANGUAGE sql STABLE AS 'SELECT invocation_id FROM iv WHERE k = $1';
CREATE FUNCTION pg_temp.ids(VARIADIC text[]) RETURNS uuid[] LANGUAGE sql STABLE AS
    'SELECT array_agg(invocation_id ORDER BY invocation_id) FROM iv WHERE k = ANY ($1)';
CREATE FUNCTION pg_temp.state(text) RETURNS text LANGUAGE sql STABLE AS
    'SELECT state || coalesce(''@'' || (SELECT n.k FROM nd n WHERE n.node_id = i.node_id AND i.state = ''RUNNING''), '''')
     FROM orchestrator.invocations i WHERE i.invocation_id = pg_temp.i($1)';
-- Moves the start of an invocation's current attempt, and node ra's last beat (its beats carry no agent name), into the past.
CREATE FUNCTION pg_temp.started_ago(text, interval) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    SET LOCAL session_replication_role = replica;  -- attempts are append-only: the trigger would refuse
    UPDATE orchestrator.invocation_attempts a SET started_at = now() - $2
    FROM orchestrator.invocations i WHERE i.invocation_id = pg_temp.i($1) AND a.invocation_id = i.invocation_id AND a.attempt = i.attempt;
    SET LOCAL session_replication_role = origin;
END $$;
CREATE FUNCTION pg_temp.beat_ago(interval) RETURNS void LANGUAGE sql AS
    'UPDATE orchestrator.node_heartbeats SET last_heartbeat_at = now() - $1, nameless_heartbeat_at = now() - $1 WHERE node_id = pg_temp.n(''ra'')';
CREATE FUNCTION pg_temp.versions() RETURNS text LANGUAGE sql STABLE AS $$
    SELECT string_agg(i.ctid::text || a.ctid::text, ',' ORDER BY i.invocation_id)
    FROM orchestrator.invocations i JOIN orchestrator.invocation_attempts a ON a.invocation_id = i.invocation_id
    WHERE i.node_id IN (pg_temp.n('ra'), pg_temp.n('rb'))
$$;

INSERT INTO iv VALUES ('kb', (api.invocation_submit(tool_id => pg_temp.t('run'))).invocation_id);
SELECT is((SELECT array_agg(invocation_id) FROM api.node_claim(node_id => pg_temp.n('rb'))), ARRAY[pg_temp.i('kb')], 'node rb claims kb');
INSERT INTO iv SELECT k, (api.invocation_submit(tool_id => pg_temp.t('run'), max_attempts => m)).invocation_id
FROM (VALUES ('k1', 3), ('k2', 3), ('k3', 3), ('k4', 3), ('k5', 1)) v(k, m);
SELECT is((SELECT array_agg(invocation_id ORDER BY invocation_id) FROM api.node_claim(node_id => pg_temp.n('ra'), "limit" => 10)),
    pg_temp.ids('k1', 'k2', 'k3', 'k4', 'k5'), 'node ra claims k1 to k5');
SELECT pg_temp.started_ago(k, interval '1 minute') FROM unnest(ARRAY['k1', 'k2', 'k3', 'k4', 'k5', 'kb']) k;
SELECT pg_temp.beat_ago(interval '10 seconds');

SELECT results_eq(
    $$ SELECT beat_count, lost_invocation_ids FROM api.node_heartbeat(node_id => pg_temp.n('ra')) $$,
    $$ VALUES (1::bigint, NULL::uuid[]) $$,
    'without running_invocation_ids (a DBA, an older agent): lost_invocation_ids is NULL');
SELECT is(ARRAY[pg_temp.state('k1'), pg_temp.state('k2'), pg_temp.state('k5')], ARRAY['RUNNING@ra', 'RUNNING@ra', 'RUNNING@ra'],
    'and nothing ends: every lease of the node is renewed');

-- k3 started after the node's previous beat: a claim whose answer may still be on its way.
SELECT pg_temp.beat_ago(interval '10 seconds');
SELECT pg_temp.started_ago('k3', interval '8 seconds');
SELECT pg_temp.started_ago('k4', interval '3 seconds');
SELECT is((api.node_heartbeat(node_id => pg_temp.n('ra'), running_invocation_ids => ARRAY[pg_temp.i('k1'), pg_temp.i('kb'), '00000000-0000-0000-0000-0000000000aa'])).lost_invocation_ids,
    (SELECT array_agg(x ORDER BY x) FROM unnest(ARRAY[pg_temp.i('kb'), '00000000-0000-0000-0000-0000000000aa']) x),
    'a beat listing k1, kb (node rb''s) and an unknown id: the last two are answered as lost');
SELECT is(ARRAY[pg_temp.state('k1'), pg_temp.state('k2'), pg_temp.state('k3'), pg_temp.state('k4'), pg_temp.state('k5'), pg_temp.state('kb')],
    ARRAY['RUNNING@ra', 'QUEUED', 'RUNNING@ra', 'RUNNING@ra', 'DEAD', 'RUNNING@rb'],
    'listed k1 runs on; unlisted k2 is requeued and k5 (out of attempts) DEAD; k3 (started after the previous beat) and k4 (less than 5 s ago) are kept; node rb''s kb is left alone');
SELECT results_eq(
    $$ SELECT a.outcome, a.error->>'message' FROM orchestrator.invocation_attempts a WHERE a.invocation_id IN (pg_temp.i('k2'), pg_temp.i('k5')) $$,
    $$ VALUES ('LEASE_LOST', 'the node''s heartbeat did not list it among the invocations its agent holds'),
              ('LEASE_LOST', 'the node''s heartbeat did not list it among the invocations its agent holds') $$,
    'their attempts ended LEASE_LOST, saying why');
SELECT is((SELECT error->>'code' FROM orchestrator.invocations WHERE invocation_id = pg_temp.i('k5')), 'LEASE_LOST', 'k5 is DEAD for a lost lease');
SELECT is((SELECT count(*)::int FROM orchestrator.invocation_attempts WHERE invocation_id = pg_temp.i('kb') AND ended_at IS NULL), 1,
    'kb''s attempt on node rb runs on');
SELECT is((SELECT array_agg(invocation_id) FROM api.node_claim(node_id => pg_temp.n('rb'))), ARRAY[pg_temp.i('k2')], 'k2 runs again, here on node rb');

-- The next beat: k3 now started before the previous beat (and over 5 s ago); k4 less than 5 s ago.
SELECT is((api.node_heartbeat(node_id => pg_temp.n('ra'), running_invocation_ids => ARRAY[pg_temp.i('k1')])).lost_invocation_ids, '{}'::uuid[],
    'a beat listing k1 only: nothing listed is lost');
SELECT is(ARRAY[pg_temp.state('k1'), pg_temp.state('k3'), pg_temp.state('k4')], ARRAY['RUNNING@ra', 'QUEUED', 'RUNNING@ra'],
    'k3 is requeued at the next beat; k4, started 3 s ago, is still kept');
SELECT pg_temp.started_ago('k4', interval '6 seconds');
SELECT is((api.node_heartbeat(node_id => pg_temp.n('ra'), running_invocation_ids => '{}')).lost_invocation_ids, '{}'::uuid[],
    'a beat listing nothing: nothing listed is lost');
SELECT is(pg_temp.state('k4'), 'QUEUED', 'once k4 started over 5 s ago, a beat without it ends it');
SELECT is(pg_temp.state('k1'), 'QUEUED', 'and an empty list ends k1 too: the agent holds nothing');

-- What the agent is told: a listed invocation that its node no longer runs.
SELECT is((SELECT array_agg(invocation_id ORDER BY invocation_id) FROM api.node_claim(node_id => pg_temp.n('ra'), "limit" => 10)),
    pg_temp.ids('k1', 'k3', 'k4'), 'node ra claims k1, k3 and k4 again');
SELECT is((api.node_heartbeat(node_id => pg_temp.n('ra'), running_invocation_ids => ARRAY[pg_temp.i('k1'), pg_temp.i('k2'), pg_temp.i('k3')])).lost_invocation_ids,
    ARRAY[pg_temp.i('k2')], 'a beat still listing k2 (requeued, now node rb''s): k2 is answered as lost, k1 and k3 are not');
SELECT is(pg_temp.state('k4'), 'RUNNING@ra', 'k4, claimed again just now and not listed yet, is kept (a claim in flight)');

-- A beat that changes nothing writes nothing to invocations, whatever it lists.
CREATE TEMP TABLE before_beat AS SELECT pg_temp.versions() AS v;
SELECT is((api.node_heartbeat(node_id => pg_temp.n('ra'), running_invocation_ids => ARRAY[pg_temp.i('k4'), pg_temp.i('k3'), pg_temp.i('k2'), pg_temp.i('k1')])).lost_invocation_ids,
    ARRAY[pg_temp.i('k2')], 'a beat listing its own work, in any order, and k2 (no longer its own)');
SELECT is(pg_temp.versions(), (SELECT v FROM before_beat), 'no row of invocations or invocation_attempts was written');

-- Errors.
SELECT throws_ok($$ SELECT api.node_heartbeat(node_id => pg_temp.n('ra'), running_invocation_ids => ARRAY[pg_temp.i('k1'), NULL]) $$,
    '22023', 'running_invocation_ids: must list at most 10000 invocation ids, none of them null (got 2 entries)', 'a null in the list: 22023');
SELECT throws_ok($$ SELECT api.node_heartbeat(node_id => pg_temp.n('ra'), running_invocation_ids => array_fill(pg_temp.i('k1'), ARRAY[10001])) $$,
    '22023', 'running_invocation_ids: must list at most 10000 invocation ids, none of them null (got 10001 entries)', 'over 10000 ids: 22023');
SELECT is(ARRAY[pg_temp.state('k1'), pg_temp.state('k3')], ARRAY['RUNNING@ra', 'RUNNING@ra'], 'a refused beat ends nothing');
GRANT SELECT ON nd, iv TO aio_node;
DO $$ BEGIN PERFORM set_config('aio.node_id', pg_temp.n('rb')::text, true); END $$;
SET LOCAL ROLE aio_node;
SELECT throws_ok($$ SELECT api.node_heartbeat(node_id => pg_temp.n('ra'), running_invocation_ids => '{}') $$,
    '42501', 'node_id: a node key may only beat for its own node', 'node rb''s key cannot beat for node ra, nor end its work: 42501');
SELECT is((api.node_heartbeat(node_id => pg_temp.n('rb'), running_invocation_ids => ARRAY[pg_temp.i('k2'), pg_temp.i('kb')])).lost_invocation_ids,
    '{}'::uuid[], 'node rb''s key beats for its own node with its list');
RESET ROLE;
DO $$ BEGIN PERFORM set_config('aio.node_id', '', true); END $$;
SELECT is(ARRAY[pg_temp.state('k1'), pg_temp.state('k3')], ARRAY['RUNNING@ra', 'RUNNING@ra'], 'node ra''s work runs on');

-- agents: several may serve one node, each under its name ------------------------------------
-- Node rc; m1 and m3 claimed by agent A, m2 by agent B, a minute ago (past the grace for claims in flight).
INSERT INTO nd SELECT 'rc', (api.node_create(node_type => 'TOOL_EXECUTOR', address => 'http://10.9.1.3:8080', name => 'ops-rc')).node_id;
INSERT INTO iv SELECT k, (api.invocation_submit(tool_id => pg_temp.t('run'), priority => 10 - n::int)).invocation_id
FROM unnest(ARRAY['m1', 'm2', 'm3']) WITH ORDINALITY AS x(k, n);  -- claimed in this order, before any other work
SELECT is((SELECT array_agg(c.invocation_id) FROM api.node_claim(node_id => pg_temp.n('rc'), agent => 'A') c), ARRAY[pg_temp.i('m1')],
    'agent A claims m1');
SELECT invocation_id FROM api.node_claim(node_id => pg_temp.n('rc'), agent => 'B') \g /dev/null
SELECT invocation_id FROM api.node_claim(node_id => pg_temp.n('rc'), agent => 'A') \g /dev/null
SELECT is((SELECT array_agg(a.agent ORDER BY k.k) FROM iv k JOIN orchestrator.invocation_attempts a ON a.invocation_id = k.invocation_id
           WHERE k.k IN ('m1', 'm2', 'm3')), ARRAY['A', 'B', 'A'], 'each attempt records the agent that claimed it (m2 by B, m3 by A)');
SELECT is((api.invocation_get(invocation_id => pg_temp.i('m2'))).attempts->0->>'agent', 'B', 'and the invocation shows it in its attempts');
SELECT pg_temp.started_ago(k, interval '1 minute') FROM unnest(ARRAY['m1', 'm2', 'm3']) k;
SELECT is((api.node_heartbeat(node_id => pg_temp.n('rc'), running_invocation_ids => ARRAY[pg_temp.i('m1')], agent => 'A')).lost_invocation_ids,
    '{}'::uuid[], 'agent A''s first beat lists m1');
SELECT is(ARRAY[pg_temp.state('m1'), pg_temp.state('m2'), pg_temp.state('m3')], ARRAY['RUNNING@rc', 'RUNNING@rc', 'QUEUED'],
    'it ends its own unlisted m3 (a predecessor''s under its name) and leaves agent B''s m2 alone');
SELECT is((api.node_heartbeat(node_id => pg_temp.n('rc'), running_invocation_ids => ARRAY[pg_temp.i('m2'), pg_temp.i('m1')], agent => 'B')).lost_invocation_ids,
    ARRAY[pg_temp.i('m1')], 'agent B listing m1 (agent A''s) hears it is not its own');
SELECT is(ARRAY[pg_temp.state('m1'), pg_temp.state('m2')], ARRAY['RUNNING@rc', 'RUNNING@rc'], 'and ends nothing of agent A''s');
SELECT is((api.node_heartbeat(node_id => pg_temp.n('rc'), running_invocation_ids => '{}')).lost_invocation_ids, '{}'::uuid[],
    'a beat without an agent name, listing nothing');
SELECT is(ARRAY[pg_temp.state('m1'), pg_temp.state('m2')], ARRAY['RUNNING@rc', 'RUNNING@rc'], 'speaks only for attempts claimed without a name');
SELECT is((SELECT array_agg(g.agent ORDER BY g.agent) FROM orchestrator.node_agents g WHERE g.node_id = pg_temp.n('rc')), ARRAY['A', 'B'],
    'each agent''s last beat is kept apart');
-- Agent A goes silent past its lease (an hour) while agent B beats on: A's lease ends, B's lives.
UPDATE orchestrator.node_agents SET last_heartbeat_at = now() - interval '61 minutes' WHERE node_id = pg_temp.n('rc') AND agent = 'A';
SELECT pg_temp.started_ago(k, interval '2 hours') FROM unnest(ARRAY['m1', 'm2']) k;
SELECT is((api.invocation_get(invocation_id => pg_temp.i('m2'))).lease_expires_at,
    (SELECT last_heartbeat_at + interval '1 hour' FROM orchestrator.node_agents WHERE node_id = pg_temp.n('rc') AND agent = 'B'),
    'm2''s lease ends an hour after agent B''s last beat');
SELECT is((api.node_heartbeat(node_id => pg_temp.n('rc'), running_invocation_ids => ARRAY[pg_temp.i('m2')], agent => 'B')).lost_invocation_ids,
    '{}'::uuid[], 'agent B beats');
SELECT is(ARRAY[pg_temp.state('m1'), pg_temp.state('m2')], ARRAY['QUEUED', 'RUNNING@rc'], 'agent A''s m1, its lease expired, is requeued; B''s m2 runs on');
SELECT is((SELECT a.error->>'message' FROM orchestrator.invocation_attempts a WHERE a.invocation_id = pg_temp.i('m1')),
    'the node stopped heartbeating for longer than the lease', 'm1''s attempt ended LEASE_LOST for an expired lease');
-- A name not heard of for a day goes when a new name first beats for the node.
INSERT INTO orchestrator.node_agents VALUES (pg_temp.n('rc'), 'gone', now() - interval '25 hours');
SELECT lost_invocation_ids FROM api.node_heartbeat(node_id => pg_temp.n('rc'), agent => 'C') \g /dev/null
SELECT is((SELECT array_agg(g.agent ORDER BY g.agent) FROM orchestrator.node_agents g WHERE g.node_id = pg_temp.n('rc')), ARRAY['A', 'B', 'C'],
    'agent C''s first beat deletes the name gone for a day, and keeps the others');
-- The list of a node's agents.
SELECT results_eq(
    $$ SELECT agent, health, running_invocations FROM api.node_agent_list(node_id => pg_temp.n('rc')) $$,
    $$ VALUES ('A', 'DOWN', 0), ('B', 'HEALTHY', 1), ('C', 'HEALTHY', 0), (NULL, 'HEALTHY', 0) $$,
    'node_agent_list: each name, its health from its last beat, and what it runs (m2 under B); then the beats without a name');
SELECT results_eq($$ SELECT agent, health, running_invocations FROM api.node_agent_list(node_id => pg_temp.n('ra')) $$,
    $$ SELECT NULL::text, 'HEALTHY', count(*)::int FROM orchestrator.invocations WHERE node_id = pg_temp.n('ra') AND state = 'RUNNING' $$,
    'a node whose beats carry no name: one agent without a name, holding the node''s running work');
INSERT INTO nd SELECT 'quiet', (api.node_create(node_type => 'TOOL_EXECUTOR', address => 'http://10.9.1.9:8080', name => 'ops-quiet')).node_id;
SELECT is((SELECT count(*)::int FROM api.node_agent_list(node_id => pg_temp.n('quiet'))), 0,
    'a node that never beat and runs nothing lists no agent');
SELECT throws_ok($$ SELECT * FROM api.node_agent_list(node_id => '00000000-0000-0000-0000-000000000000') $$,
    'P0002', NULL, 'node_agent_list of an unknown node: P0002');
DO $$ BEGIN PERFORM set_config('aio.node_id', pg_temp.n('rb')::text, true); END $$;
SET LOCAL ROLE aio_node;
SELECT throws_ok($$ SELECT * FROM api.node_agent_list(node_id => pg_temp.n('rc')) $$,
    '42501', 'node_id: a node key may only read the agents of its own node', 'a node key reading another node''s agents: 42501');
RESET ROLE;
DO $$ BEGIN PERFORM set_config('aio.node_id', '', true); END $$;
SELECT ok(has_function_privilege('aio_reader', 'api.node_agent_list(uuid)', 'EXECUTE')
          AND has_function_privilege('aio_node', 'api.node_agent_list(uuid)', 'EXECUTE')
          AND NOT has_function_privilege('aio_bi', 'api.node_agent_list(uuid)', 'EXECUTE'),
    'node_agent_list: a reader and a node key may read it, the BI role may not');
SELECT volatility_is('api', 'node_agent_list', ARRAY['uuid'], 'stable');
SELECT is_definer('api', 'node_agent_list', ARRAY['uuid']);
SELECT function_returns('api', 'node_agent_list', ARRAY['uuid'], 'setof api.node_agent');
SELECT throws_ok($$ SELECT api.node_heartbeat(node_id => pg_temp.n('rc'), agent => '') $$,
    '22023', 'agent: must be 1 to 200 characters, got 0', 'an empty agent name: 22023');
SELECT throws_ok($$ SELECT api.node_claim(node_id => pg_temp.n('rc'), agent => repeat('x', 201)) $$,
    '22023', 'agent: must be 1 to 200 characters, got 201', 'a claim with an agent name over 200 characters: 22023');

-- A claim without a name lives on the node's beats without a name: named agents of the same node
-- neither keep it alive nor end it.
INSERT INTO iv SELECT 'm4', (api.invocation_submit(tool_id => pg_temp.t('run'), priority => 50)).invocation_id;
SELECT is((SELECT array_agg(c.invocation_id) FROM api.node_claim(node_id => pg_temp.n('rc')) c), ARRAY[pg_temp.i('m4')],
    'm4 is claimed without an agent name');
SELECT pg_temp.started_ago('m4', interval '1 minute');
SELECT is((api.node_heartbeat(node_id => pg_temp.n('rc'), running_invocation_ids => ARRAY[pg_temp.i('m2'), pg_temp.i('m4')], agent => 'B')).lost_invocation_ids,
    ARRAY[pg_temp.i('m4')], 'agent B listing m4 hears it is not its own');
SELECT is((api.node_heartbeat(node_id => pg_temp.n('rc'), running_invocation_ids => ARRAY[pg_temp.i('m2')], agent => 'B')).lost_invocation_ids,
    '{}'::uuid[], 'agent B beats without m4');
SELECT is(pg_temp.state('m4'), 'RUNNING@rc', 'a named agent''s beat does not end an attempt claimed without a name');
SELECT is((api.invocation_get(invocation_id => pg_temp.i('m4'))).lease_expires_at,
    (SELECT nameless_heartbeat_at + interval '1 hour' FROM orchestrator.node_heartbeats WHERE node_id = pg_temp.n('rc')),
    'm4''s lease ends an hour after the node''s last beat without a name, not after agent B''s');
UPDATE orchestrator.node_heartbeats SET nameless_heartbeat_at = now() - interval '61 minutes' WHERE node_id = pg_temp.n('rc');
SELECT pg_temp.started_ago('m4', interval '2 hours');
SELECT is((api.node_heartbeat(node_id => pg_temp.n('rc'), running_invocation_ids => ARRAY[pg_temp.i('m2')], agent => 'B')).lost_invocation_ids,
    '{}'::uuid[], 'agent B beats on');
SELECT is(ARRAY[pg_temp.state('m4'), pg_temp.state('m2')], ARRAY['QUEUED', 'RUNNING@rc'],
    'm4, whose nameless beats stopped an hour ago, is requeued although agent B beats: its beats do not keep it alive');
SELECT is((SELECT a.error->>'message' FROM orchestrator.invocation_attempts a WHERE a.invocation_id = pg_temp.i('m4')),
    'the node stopped heartbeating for longer than the lease', 'm4''s attempt ended LEASE_LOST for an expired lease');

-- what a beat costs: one xid (no subtransaction), no row lock before the update ---------------
SELECT doesnt_match((SELECT prosrc FROM pg_proc WHERE oid = 'api.node_heartbeat(uuid, text, jsonb, uuid[], text)'::regprocedure),
    '\mEXCEPTION\s+WHEN\M', 'node_heartbeat has no EXCEPTION block: no subtransaction, one xid per beat');
-- tgtype bits: 1 row, 2 before, 16 update.
SELECT is_empty($$ SELECT tgname FROM pg_trigger WHERE tgrelid = 'orchestrator.node_heartbeats'::regclass
                   AND NOT tgisinternal AND tgtype & 19 = 19 $$,
    'no BEFORE UPDATE row trigger on node_heartbeats: it would lock (and log) every beaten row first');

RESET ROLE;
SELECT * FROM finish();
ROLLBACK;
