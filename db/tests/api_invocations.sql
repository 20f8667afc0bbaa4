-- pgTAP: api/invocations (and data/invocations, data/artifacts_invocation, the heartbeat's cancellations):
-- every transition allowed and refused, lease tokens, idempotent submit, input and output
-- validation, retry timing, DEAD with its history, the sweep, the purge, lineage.
BEGIN;
SELECT plan(193);

-- A clean slate inside this transaction, whatever other tests left behind.
DELETE FROM orchestrator.invocations; DELETE FROM orchestrator.artifacts; DELETE FROM orchestrator.tools; DELETE FROM orchestrator.nodes;

-- signatures: argument names and defaults are the HTTP contract --------------------------------
SELECT is(pg_get_function_arguments('api.invocation_submit(uuid, text, text, jsonb, integer, text, timestamptz, integer, integer, integer, uuid[])'::regprocedure),
    'tool_id uuid DEFAULT NULL::uuid, tool_name text DEFAULT NULL::text, tool_version text DEFAULT NULL::text, input jsonb DEFAULT ''{}''::jsonb, priority integer DEFAULT 0, idempotency_key text DEFAULT NULL::text, not_before timestamp with time zone DEFAULT NULL::timestamp with time zone, queue_timeout_seconds integer DEFAULT NULL::integer, run_timeout_seconds integer DEFAULT NULL::integer, max_attempts integer DEFAULT 3, input_artifact_ids uuid[] DEFAULT ''{}''::uuid[]',
    'invocation_submit: argument names and defaults');
SELECT is(pg_get_function_arguments('api.node_claim(uuid, integer, integer, text)'::regprocedure),
    'node_id uuid, "limit" integer DEFAULT 1, wait_seconds integer DEFAULT 0, agent text DEFAULT NULL::text', 'node_claim: argument names and defaults');
SELECT is(pg_get_function_arguments('api.invocation_complete(uuid, uuid, jsonb, jsonb)'::regprocedure),
    'invocation_id uuid, lease_token uuid, output jsonb, artifacts jsonb DEFAULT ''[]''::jsonb', 'invocation_complete: argument names and defaults');
SELECT is(pg_get_function_arguments('api.invocation_complete_batch(jsonb)'::regprocedure), 'completions jsonb',
    'invocation_complete_batch: arguments');
SELECT function_returns('api', 'invocation_complete_batch', ARRAY['jsonb'], 'setof api.invocation_completion');
SELECT is(pg_get_function_arguments('api.invocation_fail(uuid, uuid, jsonb, boolean)'::regprocedure),
    'invocation_id uuid, lease_token uuid, error jsonb, retryable boolean DEFAULT true', 'invocation_fail: argument names and defaults');
SELECT is(pg_get_function_arguments('api.invocation_list(text, uuid, uuid, integer, text)'::regprocedure),
    'state text DEFAULT NULL::text, tool_id uuid DEFAULT NULL::uuid, node_id uuid DEFAULT NULL::uuid, "limit" integer DEFAULT 50, cursor text DEFAULT NULL::text',
    'invocation_list: argument names and defaults');
SELECT is(pg_get_function_arguments('api.invocation_cancel(uuid, text)'::regprocedure), 'invocation_id uuid, reason text DEFAULT NULL::text', 'invocation_cancel: arguments');
SELECT is(pg_get_function_arguments('api.invocation_release(uuid, uuid)'::regprocedure), 'invocation_id uuid, lease_token uuid', 'invocation_release: arguments');
SELECT is(pg_get_function_arguments('api.invocations_sweep(integer)'::regprocedure), '"limit" integer DEFAULT 1000', 'invocations_sweep: arguments');
SELECT is(pg_get_function_arguments('api.invocations_purge(integer)'::regprocedure), 'older_than_days integer', 'invocations_purge: arguments');
SELECT is(pg_get_function_arguments('api.artifact_lineage(uuid)'::regprocedure), 'artifact_id uuid', 'artifact_lineage: arguments');
SELECT function_returns('api', 'node_claim', ARRAY['uuid', 'integer', 'integer', 'text'], 'setof api.invocation_claim');
SELECT function_returns('api', 'invocation_get', ARRAY['uuid'], 'api.invocation');
SELECT function_returns('api', 'invocation_list', ARRAY['text', 'uuid', 'uuid', 'integer', 'text'], 'setof api.invocation_item');

-- volatility and definer ------------------------------------------------------------------------
SELECT is_empty($$
    SELECT p.proname, p.provolatile FROM pg_proc p
    WHERE p.pronamespace = 'api'::regnamespace
      AND p.proname IN ('invocation_get', 'invocation_list', 'artifact_lineage') AND (p.provolatile <> 's' OR NOT p.prosecdef)
$$, 'get, list and lineage are STABLE and SECURITY DEFINER');
SELECT is_empty($$
    SELECT p.proname FROM pg_proc p
    WHERE p.pronamespace = 'api'::regnamespace
      AND p.proname IN ('invocation_submit', 'invocation_cancel', 'node_claim', 'invocation_complete', 'invocation_complete_batch', 'invocation_fail',
                        'invocation_release', 'invocations_sweep', 'invocations_purge') AND (p.provolatile <> 'v' OR NOT p.prosecdef)
$$, 'the writes are VOLATILE and SECURITY DEFINER');

-- privileges (the whole matrix is in privileges.sql) ---------------------------------------------
SELECT ok(has_function_privilege('aio_writer', 'api.invocation_submit(uuid, text, text, jsonb, integer, text, timestamptz, integer, integer, integer, uuid[])', 'EXECUTE')
          AND NOT has_function_privilege('aio_reader', 'api.invocation_submit(uuid, text, text, jsonb, integer, text, timestamptz, integer, integer, integer, uuid[])', 'EXECUTE')
          AND NOT has_function_privilege('aio_node', 'api.invocation_submit(uuid, text, text, jsonb, integer, text, timestamptz, integer, integer, integer, uuid[])', 'EXECUTE'),
    'a writer submits; a reader and a node key may not');
SELECT ok(has_function_privilege('aio_node', 'api.node_claim(uuid, integer, integer, text)', 'EXECUTE')
          AND has_function_privilege('aio_admin', 'api.node_claim(uuid, integer, integer, text)', 'EXECUTE')
          AND NOT has_function_privilege('aio_writer', 'api.node_claim(uuid, integer, integer, text)', 'EXECUTE'),
    'a node key and an admin claim; a writer may not');
SELECT ok(has_function_privilege('aio_admin', 'api.invocations_sweep(integer)', 'EXECUTE')
          AND NOT has_function_privilege('aio_node', 'api.invocations_sweep(integer)', 'EXECUTE')
          AND NOT has_function_privilege('aio_writer', 'api.invocations_purge(integer)', 'EXECUTE'),
    'only an admin sweeps and purges');
SELECT ok(has_function_privilege('aio_node', 'api.invocation_complete_batch(jsonb)', 'EXECUTE')
          AND has_function_privilege('aio_admin', 'api.invocation_complete_batch(jsonb)', 'EXECUTE')
          AND NOT has_function_privilege('aio_writer', 'api.invocation_complete_batch(jsonb)', 'EXECUTE'),
    'a node key and an admin complete in batches; a writer may not');

-- the fixture ----------------------------------------------------------------------------------------
CREATE TEMP TABLE nd (k text PRIMARY KEY, node_id uuid NOT NULL);
CREATE TEMP TABLE td (k text PRIMARY KEY, tool_id uuid NOT NULL);
CREATE TEMP TABLE iv (k text PRIMARY KEY, invocation_id uuid NOT NULL, lease_token uuid);
CREATE FUNCTION pg_temp.n(text) RETURNS uuid LANGUAGE sql STABLE AS 'SELECT node_id FROM nd WHERE k = $1';
CREATE FUNCTION pg_temp.t(text) RETURNS uuid LANGUAGE sql STABLE AS 'SELECT tool_id FROM td WHERE k = $1';
CREATE FUNCTION pg_temp.i(text) RETURNS uuid LANGUAGE sql STABLE AS 'SELECT invocation_id FROM iv WHERE k = $1';
CREATE FUNCTION pg_temp.tok(text) RETURNS uuid LANGUAGE sql STABLE AS 'SELECT lease_token FROM iv WHERE k = $1';
CREATE FUNCTION pg_temp.state(text) RETURNS text LANGUAGE sql STABLE AS
    'SELECT state FROM api.invocation_get(invocation_id => (SELECT invocation_id FROM iv WHERE k = $1))';
-- Claims for a node and notes each token under the key of its invocation.
CREATE TEMP TABLE tokens (k text, lease_token uuid, n serial);
CREATE FUNCTION pg_temp.claim(node text, n integer DEFAULT 1) RETURNS SETOF text LANGUAGE sql AS $$
    WITH c AS (SELECT * FROM api.node_claim(node_id => pg_temp.n(node), "limit" => n)),
         u AS (UPDATE iv SET lease_token = c.lease_token FROM c WHERE iv.invocation_id = c.invocation_id RETURNING iv.k, iv.lease_token),
         h AS (INSERT INTO tokens (k, lease_token) SELECT u.k, u.lease_token FROM u)
    SELECT u.k FROM u
$$;
-- The token of the claim before the last one of an invocation.
CREATE FUNCTION pg_temp.tok_was(text) RETURNS uuid LANGUAGE sql STABLE AS
    'SELECT lease_token FROM tokens WHERE k = $1 ORDER BY n DESC OFFSET 1 LIMIT 1';
-- The DETAIL of the error a statement raises, as JSON.
CREATE FUNCTION pg_temp.detail_of(q text) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE d text;
BEGIN
    EXECUTE q;
    RETURN NULL;
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL;
    RETURN d::jsonb;
END $$;
-- The message of the error a statement raises.
CREATE FUNCTION pg_temp.error_of(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE m text;
BEGIN
    EXECUTE q;
    RETURN NULL;
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS m = MESSAGE_TEXT;
    RETURN m;
END $$;
-- Makes a waiting invocation due now (retry waits are seconds long).
CREATE FUNCTION pg_temp.due(text) RETURNS void LANGUAGE sql SECURITY DEFINER AS
    'UPDATE orchestrator.invocations SET run_after = now() - interval ''1 second'' WHERE invocation_id = pg_temp.i($1)';
-- A node that stopped heartbeating: its beat and the attempt's start an hour back.
CREATE FUNCTION pg_temp.silence(node text) RETURNS void LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
    SET LOCAL session_replication_role = replica;  -- attempts are append-only: the trigger would refuse
    UPDATE orchestrator.invocation_attempts SET started_at = started_at - interval '1 hour' WHERE node_id = pg_temp.n(node);
    UPDATE orchestrator.node_heartbeats SET last_heartbeat_at = last_heartbeat_at - interval '1 hour',
        nameless_heartbeat_at = nameless_heartbeat_at - interval '1 hour' WHERE node_id = pg_temp.n(node);
    SET LOCAL session_replication_role = origin;
END $$;
GRANT ALL ON nd, td, iv, tokens TO aio_api, aio_node;
GRANT USAGE ON SEQUENCE tokens_n_seq TO aio_api, aio_node;

INSERT INTO nd SELECT k, (api.node_create(node_type => 'TOOL_EXECUTOR', address => 'http://10.7.0.' || i || ':8080', name => 'inv-' || k, status => s)).node_id
FROM (VALUES (1, 'a', 'ACTIVE'), (2, 'b', 'ACTIVE'), (3, 'maint', 'MAINTENANCE')) v(i, k, s);
INSERT INTO td SELECT k, (api.tool_create(name => nm, version => ver, category => 'TEST', target_node_id => target,
        input_schema => '{"type": "object", "required": ["text"], "properties": {"text": {"type": "string"}}}',
        output_schema => '{"type": "object", "required": ["out"]}')).tool_id
FROM (VALUES ('echo1', 'inv-echo', '1.9.0', NULL::uuid), ('echo', 'inv-echo', '1.10.0', NULL), ('strict', 'inv-strict', '1.0.0', NULL),
             ('pinned', 'inv-pinned', '1.0.0', pg_temp.n('b')), ('old', 'inv-old', '1.0.0', NULL)) v(k, nm, ver, target);
UPDATE orchestrator.tools SET retry_output_invalid = true WHERE tool_id = pg_temp.t('strict');
UPDATE orchestrator.tools SET status = 'DEPRECATED' WHERE tool_id = pg_temp.t('old');

-- submit ----------------------------------------------------------------------------------------------
INSERT INTO iv (k, invocation_id) VALUES
    ('s1', (api.invocation_submit(tool_name => 'inv-echo', input => '{"text": "one"}', idempotency_key => 'key-1')).invocation_id);
SELECT results_eq($$ SELECT state, tool_version, attempt, max_attempts, lease_seconds, attempts, priority
                     FROM api.invocation_get(invocation_id => pg_temp.i('s1')) $$,
    $$ VALUES ('QUEUED', '1.10.0', 0, 3, 30, '[]'::jsonb, 0) $$,
    'submit by name: QUEUED, the latest version by semver (1.10.0 > 1.9.0), no attempt yet, the tool''s lease');
SELECT is((api.invocation_submit(tool_name => 'inv-echo', input => '{"text": "one"}', idempotency_key => 'key-1')).invocation_id,
    pg_temp.i('s1'), 'the same idempotency key again: the same invocation');
SELECT is((SELECT count(*)::int FROM orchestrator.invocations WHERE idempotency_key = 'key-1'), 1, 'and no second row');
SELECT throws_ok($$ SELECT api.invocation_submit(tool_name => 'inv-echo', input => '{"text": "two"}', idempotency_key => 'key-1') $$,
    'PT422', NULL, 'the same key with another input: PT422');
SELECT is((api.invocation_submit(tool_id => pg_temp.t('echo1'), input => '{"text": "x"}')).tool_version, '1.9.0', 'submit by tool_id');
SELECT is((api.invocation_submit(tool_name => 'inv-echo', tool_version => '1.9.0', input => '{"text": "x"}')).tool_version, '1.9.0',
    'submit by name and version');
SELECT throws_ok($$ SELECT api.invocation_submit(tool_name => 'inv-echo', input => '{"text": 42}') $$,
    '23514', 'input: does not match the input_schema of tool inv-echo 1.10.0: /text a number is not of type "string"',
    'an input that breaks the input_schema: 23514 naming the error');
SELECT is(pg_temp.detail_of($$ SELECT api.invocation_submit(tool_name => 'inv-echo', input => '{"text": 42}') $$),
    '[{"message": "a number is not of type \"string\"", "schema_location": "/properties/text/type", "instance_location": "/text"}]'::jsonb,
    'the validator''s errors travel as JSON in DETAIL');
SELECT throws_ok($$ SELECT api.invocation_submit(tool_id => pg_temp.t('old'), input => '{"text": "x"}') $$,
    '23514', NULL, 'a tool that is not ACTIVE: 23514');
SELECT throws_ok($$ SELECT api.invocation_submit(input => '{}') $$, '23502', NULL, 'neither tool_id nor tool_name: 23502');
SELECT throws_ok($$ SELECT api.invocation_submit(tool_id => pg_temp.t('echo'), tool_name => 'inv-echo') $$, '22023', NULL, 'both tool_id and tool_name: 22023');
SELECT throws_ok($$ SELECT api.invocation_submit(tool_id => '00000000-0000-0000-0000-000000000000') $$, '23503',
    'tool_id: no tool has id 00000000-0000-0000-0000-000000000000', 'an unknown tool_id: 23503 (a reference in the body)');
SELECT throws_ok($$ SELECT api.invocation_submit(tool_name => 'inv-nothing') $$, '23503', NULL, 'an unknown tool_name: 23503');
SELECT throws_ok($$ SELECT api.invocation_submit(tool_name => 'inv-echo', input => '{"text": "x"}', priority => 101) $$,
    '23514', 'priority: must be between -100 and 100 (higher runs first), got 101', 'priority out of range: 23514');
SELECT throws_ok($$ SELECT api.invocation_submit(tool_name => 'inv-echo', input => '{"text": "x"}', max_attempts => 0) $$,
    '23514', 'max_attempts: must be between 1 and 100, got 0', 'max_attempts out of range: 23514');
SELECT throws_ok($$ SELECT api.invocation_submit(tool_name => 'inv-echo', input => '{"text": "x"}', queue_timeout_seconds => 0) $$,
    '23514', NULL, 'queue_timeout_seconds out of range: 23514');
SELECT throws_ok($$ SELECT api.invocation_submit(tool_name => 'inv-echo', input => '{"text": "x"}', input_artifact_ids => '{00000000-0000-0000-0000-000000000000}') $$,
    '23503', 'input_artifact_ids: no artifact has id 00000000-0000-0000-0000-000000000000', 'an unknown input artifact: 23503');
SELECT is((api.invocation_submit(tool_name => 'inv-echo', input => '{"text": "x"}')).submitted_by->>'role', session_user::text,
    'submitted_by names the role (in psql without SET ROLE: the login)');

-- claim -----------------------------------------------------------------------------------------------
DELETE FROM orchestrator.invocations WHERE invocation_id <> pg_temp.i('s1');
INSERT INTO iv (k, invocation_id) VALUES
    ('low',  (api.invocation_submit(tool_name => 'inv-echo', input => '{"text": "low"}', priority => -5)).invocation_id),
    ('high', (api.invocation_submit(tool_name => 'inv-echo', input => '{"text": "high"}', priority => 50)).invocation_id),
    ('pin',  (api.invocation_submit(tool_name => 'inv-pinned', input => '{"text": "pinned"}')).invocation_id),
    ('later', (api.invocation_submit(tool_name => 'inv-echo', input => '{"text": "later"}', not_before => now() + interval '1 hour')).invocation_id);
SELECT is((SELECT count(*)::int FROM api.node_claim(node_id => pg_temp.n('maint'), "limit" => 10)), 0, 'a node in MAINTENANCE is given no work');
SELECT is(ARRAY(SELECT pg_temp.claim('a', 1)), ARRAY['high'], 'the highest priority first');
SELECT results_eq($$ SELECT state, attempt, node_id, lease_expires_at, jsonb_array_length(attempts)
                     FROM api.invocation_get(invocation_id => pg_temp.i('high')) $$,
    $$ VALUES ('RUNNING', 1, pg_temp.n('a'), now() + interval '30 seconds', 1) $$,
    'claimed: RUNNING, attempt 1 on node a, lease to now + lease_seconds, one attempt row');
SELECT is(ARRAY(SELECT pg_temp.claim('a', 10) ORDER BY 1), ARRAY['low', 's1'],
    'then the rest node a may run: not the one pinned to node b, not the one not before an hour');
SELECT is(ARRAY(SELECT pg_temp.claim('b', 10)), ARRAY['pin'], 'node b gets the tool targeted at it');
SELECT is((SELECT count(*)::int FROM api.node_claim(node_id => pg_temp.n('b'), "limit" => 10)), 0, 'nothing is handed out twice');
SELECT throws_ok($$ SELECT api.node_claim(node_id => pg_temp.n('a'), "limit" => 0) $$, '22023', 'limit: must be between 1 and 100, got 0', 'limit 0: 22023');
SELECT throws_ok($$ SELECT api.node_claim(node_id => pg_temp.n('a'), wait_seconds => 61) $$, '22023', 'wait_seconds: must be between 0 and 60, got 61', 'wait_seconds 61: 22023');
SELECT throws_ok($$ SELECT api.node_claim(node_id => '00000000-0000-0000-0000-000000000000') $$, 'P0002', NULL, 'claim for an unknown node: P0002');

-- a node key acts for its own node only
DO $$ BEGIN PERFORM set_config('aio.node_id', pg_temp.n('b')::text, true); END $$;
SET LOCAL ROLE aio_node;
SELECT throws_ok($$ SELECT api.node_claim(node_id => pg_temp.n('a')) $$, '42501', NULL, 'a node key claiming for another node: 42501');
SELECT throws_ok($$ SELECT api.invocation_complete(invocation_id => pg_temp.i('high'), lease_token => pg_temp.tok('high'), output => '{"out": 1}') $$,
    '42501', NULL, 'a node key completing another node''s invocation: 42501');
SELECT throws_ok($$ SELECT api.invocation_get(invocation_id => pg_temp.i('high')) $$, '42501', NULL, 'a node key reading another node''s invocation: 42501');
SELECT is((api.invocation_get(invocation_id => pg_temp.i('pin'))).state, 'RUNNING', 'a node key reads its own invocation');
SELECT is((api.invocation_complete(invocation_id => pg_temp.i('pin'), lease_token => pg_temp.tok('pin'), output => '{"out": "b"}',
          artifacts => '[{"name": "pin.txt", "uri": "s3://inv/pin.txt"}]')).state, 'SUCCEEDED',
    'a node key completes its own invocation, with an artifact recorded as its node');
RESET ROLE;
DO $$ BEGIN PERFORM set_config('aio.node_id', '', true); END $$;

-- complete -------------------------------------------------------------------------------------------
SELECT throws_ok($$ SELECT api.invocation_complete(invocation_id => pg_temp.i('high'), lease_token => gen_random_uuid(), output => '{"out": 1}') $$,
    'PT409', NULL, 'complete with a token that is not the lease''s: PT409');
SELECT is(pg_temp.state('high'), 'RUNNING', 'and nothing changed');
SELECT results_eq($$ SELECT state, output, error FROM api.invocation_complete(invocation_id => pg_temp.i('high'), lease_token => pg_temp.tok('high'),
                        output => '{"out": "HIGH"}', artifacts => '[{"name": "high.txt", "uri": "s3://inv/high.txt", "size_bytes": 4}]') $$,
    $$ VALUES ('SUCCEEDED', '{"out": "HIGH"}'::jsonb, NULL::jsonb) $$, 'complete: SUCCEEDED with the output');
SELECT results_eq($$ SELECT tool_id, node_id, size_bytes FROM orchestrator.artifacts WHERE invocation_id = pg_temp.i('high') $$,
    $$ VALUES (pg_temp.t('echo'), pg_temp.n('a'), 4::bigint) $$, 'its artifact is recorded with the invocation, its tool and its node');
SELECT is((SELECT outcome FROM orchestrator.invocation_attempts WHERE invocation_id = pg_temp.i('high')), 'SUCCEEDED', 'the attempt ended SUCCEEDED');
SELECT throws_ok($$ SELECT api.invocation_complete(invocation_id => pg_temp.i('high'), lease_token => pg_temp.tok('high'), output => '{"out": 2}') $$,
    'PT409', NULL, 'a second completion with the same token: PT409');
SELECT throws_ok($$ SELECT api.invocation_fail(invocation_id => pg_temp.i('high'), lease_token => pg_temp.tok('high'), error => '{"code": "X"}') $$,
    'PT409', NULL, 'fail after success: PT409');
SELECT throws_ok($$ SELECT api.invocation_complete(invocation_id => pg_temp.i('later'), lease_token => gen_random_uuid(), output => '{"out": 1}') $$,
    'PT409', NULL, 'complete a QUEUED invocation: PT409');
SELECT throws_ok($$ SELECT api.invocation_complete(invocation_id => '00000000-0000-0000-0000-000000000000', lease_token => gen_random_uuid(), output => '{}') $$,
    'P0002', NULL, 'complete an unknown invocation: P0002');
SELECT throws_ok($$ SELECT api.invocation_complete(invocation_id => pg_temp.i('low'), lease_token => pg_temp.tok('low'), output => '{"out": 1}',
                        artifacts => '[{"name": "x", "uri": "s3://x", "size_bytes": -1}]') $$,
    '23514', 'artifacts[0].size_bytes: must be 0 or more', 'a bad artifact is named by index and field: 23514');
SELECT is(pg_temp.state('low'), 'RUNNING', 'and the invocation is still RUNNING');
SELECT throws_ok($$ SELECT api.invocation_complete(invocation_id => pg_temp.i('low'), lease_token => pg_temp.tok('low'), output => '{"out": 1}', artifacts => '{}') $$,
    '22023', NULL, 'artifacts not an array: 22023');

-- output validation: never SUCCEEDED
SELECT results_eq($$ SELECT state, output, error->>'code', error->'errors'->0->>'message'
                     FROM api.invocation_complete(invocation_id => pg_temp.i('low'), lease_token => pg_temp.tok('low'), output => '{"nope": 1}') $$,
    $$ VALUES ('OUTPUT_INVALID', '{"nope": 1}'::jsonb, 'OUTPUT_INVALID', 'required property "out" is missing') $$,
    'an output that breaks the output_schema: OUTPUT_INVALID, final, with the validator''s errors');
SELECT is((SELECT outcome FROM orchestrator.invocation_attempts WHERE invocation_id = pg_temp.i('low')), 'OUTPUT_INVALID', 'the attempt ended OUTPUT_INVALID');
INSERT INTO iv (k, invocation_id) VALUES ('strict', (api.invocation_submit(tool_name => 'inv-strict', input => '{"text": "s"}', max_attempts => 2)).invocation_id);
SELECT is(ARRAY(SELECT pg_temp.claim('a')), ARRAY['strict'], 'claim the invocation of a tool with retry_output_invalid');
SELECT is((api.invocation_complete(invocation_id => pg_temp.i('strict'), lease_token => pg_temp.tok('strict'), output => '[]')).state, 'RETRY_WAIT',
    'with retry_output_invalid, an invalid output is retried: RETRY_WAIT');
SELECT pg_temp.due('strict');
SELECT is(ARRAY(SELECT pg_temp.claim('a')), ARRAY['strict'], 'claimed again when due');
SELECT is((api.invocation_complete(invocation_id => pg_temp.i('strict'), lease_token => pg_temp.tok('strict'), output => '[]')).state, 'DEAD',
    'an invalid output on the last attempt: DEAD');

-- complete in batches ------------------------------------------------------------------------------
INSERT INTO iv (k, invocation_id) SELECT k, (api.invocation_submit(tool_name => 'inv-echo', input => jsonb_build_object('text', k))).invocation_id
FROM unnest(ARRAY['b1', 'b2', 'b3']) AS k;
SELECT is(ARRAY(SELECT pg_temp.claim('a', 3) ORDER BY 1), ARRAY['b1', 'b2', 'b3'], 'claim three for a batch');
CREATE FUNCTION pg_temp.done(k text, output jsonb DEFAULT '{"out": 1}') RETURNS jsonb LANGUAGE sql STABLE AS
    'SELECT jsonb_build_object(''invocation_id'', pg_temp.i(k), ''lease_token'', pg_temp.tok(k), ''output'', output)';
SELECT throws_ok(format('SELECT api.invocation_complete_batch(completions => %L)',
                        jsonb_build_array(pg_temp.done('b3'), pg_temp.done('b3'))),
    'PT409', NULL, 'the same invocation twice in a batch: the second is stale, PT409');
SELECT alike(pg_temp.error_of(format('SELECT api.invocation_complete_batch(completions => %L)',
                                    jsonb_build_array(pg_temp.done('b3'), pg_temp.done('b3')))),
    'completions[1].lease_token: stale;%', 'the error names the item by index and field');
SELECT is(pg_temp.state('b3'), 'RUNNING', 'all or nothing: the first item of the refused batch is not recorded');
SELECT results_eq(format('SELECT invocation_id, state, attempt, finished_at IS NOT NULL, error->>''code'' FROM api.invocation_complete_batch(completions => %L)',
                         jsonb_build_array(pg_temp.done('b2', '{"nope": 1}'),
                                           pg_temp.done('b1') || '{"artifacts": [{"name": "b1.txt", "uri": "s3://inv/b1.txt"}]}')),
    $$ VALUES (pg_temp.i('b2'), 'OUTPUT_INVALID', 1, true, 'OUTPUT_INVALID'), (pg_temp.i('b1'), 'SUCCEEDED', 1, true, NULL) $$,
    'a batch: one row per item in the order given, an invalid output ended OUTPUT_INVALID (not an error)');
SELECT results_eq($$ SELECT a.tool_id, a.node_id, i.output FROM orchestrator.artifacts a JOIN orchestrator.invocations i USING (invocation_id)
                     WHERE a.invocation_id = pg_temp.i('b1') $$,
    $$ VALUES (pg_temp.t('echo'), pg_temp.n('a'), '{"out": 1}'::jsonb) $$, 'its output and artifact are recorded as by invocation_complete');
SELECT throws_ok($$ SELECT api.invocation_complete_batch(completions => '{}') $$, '22023', NULL, 'completions not an array: 22023');
SELECT throws_ok($$ SELECT api.invocation_complete_batch(completions => NULL) $$, '22023', NULL, 'completions null: 22023');
SELECT throws_ok(format('SELECT api.invocation_complete_batch(completions => %L)', (SELECT jsonb_agg(pg_temp.done('b3')) FROM generate_series(1, 1001))),
    '22023', 'completions: at most 1000 items, got 1001', 'more than 1000 items: 22023');
SELECT throws_ok($$ SELECT api.invocation_complete_batch(completions => '["x"]') $$, '22023',
    'completions[0]: must be a JSON object, got string', 'an item that is not an object: 22023');
SELECT throws_ok(format('SELECT api.invocation_complete_batch(completions => %L)', jsonb_build_array(pg_temp.done('b3') || '{"extra": 1}')),
    '22023', 'completions[0].extra: is not a field of a completion (invocation_id, lease_token, output, artifacts)', 'an unknown field: 22023');
SELECT throws_ok($$ SELECT api.invocation_complete_batch(completions => '[{"output": {}}]') $$, '23502',
    'completions[0].invocation_id: is required and may not be null', 'no invocation_id: 23502');
SELECT throws_ok(format('SELECT api.invocation_complete_batch(completions => %L)', jsonb_build_array(pg_temp.done('b3') - 'output')),
    '23502', 'completions[0].output: is required (null is an output)', 'no output: 23502');
SELECT throws_ok(format('SELECT api.invocation_complete_batch(completions => %L)', jsonb_build_array(pg_temp.done('b3') - 'lease_token')),
    '23502', 'completions[0].lease_token: is required and may not be null', 'no lease_token: 23502');
SELECT throws_ok($$ SELECT api.invocation_complete_batch(completions => '[{"invocation_id": "nope", "lease_token": "nope", "output": {}}]') $$, '22P02',
    NULL, 'an invocation_id that is not a UUID: 22P02');
SELECT throws_ok(format('SELECT api.invocation_complete_batch(completions => %L)',
                        jsonb_build_array(pg_temp.done('b3') || '{"invocation_id": "00000000-0000-0000-0000-000000000000"}')),
    '23503', NULL, 'an unknown invocation (a reference in the body): 23503');
SELECT throws_ok(format('SELECT api.invocation_complete_batch(completions => %L)', jsonb_build_array(pg_temp.done('b3') || '{"artifacts": {}}')),
    '22023', 'completions[0].artifacts: must be a JSON array of artifact objects, got object', 'artifacts not an array: 22023');
SELECT throws_ok(format('SELECT api.invocation_complete_batch(completions => %L)',
                        jsonb_build_array(pg_temp.done('b3') || '{"artifacts": [{"name": "x", "uri": "s3://x", "size_bytes": -1}]}')),
    '23514', 'completions[0].artifacts[0].size_bytes: must be 0 or more', 'a bad artifact, named within its item: 23514');
DO $$ BEGIN PERFORM set_config('aio.node_id', pg_temp.n('b')::text, true); END $$;
SET LOCAL ROLE aio_node;
SELECT throws_ok(format('SELECT api.invocation_complete_batch(completions => %L)', jsonb_build_array(pg_temp.done('b3'))),
    '42501', NULL, 'a node key completing another node''s invocation in a batch: 42501');
RESET ROLE;
DO $$ BEGIN PERFORM set_config('aio.node_id', '', true); END $$;
SELECT is((SELECT state FROM api.invocation_complete_batch(completions => jsonb_build_array(pg_temp.done('b3')))), 'SUCCEEDED',
    'and then the batch of the last one is recorded');

-- fail, retry timing, DEAD ------------------------------------------------------------------------
INSERT INTO iv (k, invocation_id) VALUES ('f', (api.invocation_submit(tool_name => 'inv-echo', input => '{"text": "f"}', max_attempts => 3)).invocation_id);
SELECT is(ARRAY(SELECT pg_temp.claim('a')), ARRAY['f'], 'claim f');
SELECT throws_ok($$ SELECT api.invocation_fail(invocation_id => pg_temp.i('f'), lease_token => pg_temp.tok('f'), error => '"boom"') $$,
    '22023', NULL, 'an error that is not an object: 22023');
SELECT results_eq($$ SELECT state, error, run_after BETWEEN now() + interval '1 second' AND now() + interval '2 seconds'
                     FROM api.invocation_fail(invocation_id => pg_temp.i('f'), lease_token => pg_temp.tok('f'), error => '{"code": "E1", "message": "first"}') $$,
    $$ VALUES ('RETRY_WAIT', '{"code": "E1", "message": "first"}'::jsonb, true) $$,
    'a retryable failure after attempt 1: RETRY_WAIT for 2 s with jitter (1..2 s)');
SELECT is((SELECT count(*)::int FROM api.node_claim(node_id => pg_temp.n('a'))), 0, 'not claimable before run_after');
SELECT pg_temp.due('f');
SELECT is(ARRAY(SELECT pg_temp.claim('a')), ARRAY['f'], 'claimable once due');
SELECT ok(r.run_after BETWEEN now() + interval '2 seconds' AND now() + interval '4 seconds',
    'after attempt 2 the wait doubles: 4 s with jitter (2..4 s)')
FROM api.invocation_fail(invocation_id => pg_temp.i('f'), lease_token => pg_temp.tok('f'), error => '{"code": "E2"}') r;
SELECT pg_temp.due('f');
SELECT is(ARRAY(SELECT pg_temp.claim('a')), ARRAY['f'], 'the third attempt');
SELECT results_eq($$ SELECT state, finished_at IS NOT NULL FROM api.invocation_fail(invocation_id => pg_temp.i('f'), lease_token => pg_temp.tok('f'), error => '{"code": "E3"}') $$,
    $$ VALUES ('DEAD', true) $$, 'after max_attempts failures: DEAD');
SELECT results_eq($$ SELECT a->>'attempt', a->>'outcome', a->'error'->>'code' FROM api.invocation_get(invocation_id => pg_temp.i('f')) g, jsonb_array_elements(g.attempts) a $$,
    $$ VALUES ('1', 'FAILED', 'E1'), ('2', 'FAILED', 'E2'), ('3', 'FAILED', 'E3') $$, 'and the whole history is kept');
SELECT throws_ok($$ SELECT api.invocation_cancel(invocation_id => pg_temp.i('f')) $$, 'PT409',
    format('state: invocation %s is already DEAD; only a QUEUED, RETRY_WAIT or RUNNING invocation can be cancelled', pg_temp.i('f')),
    'cancel a DEAD invocation: PT409 naming the state');
INSERT INTO iv (k, invocation_id) VALUES ('nf', (api.invocation_submit(tool_name => 'inv-echo', input => '{"text": "nf"}')).invocation_id);
SELECT is(ARRAY(SELECT pg_temp.claim('a')), ARRAY['nf'], 'claim nf');
SELECT is((api.invocation_fail(invocation_id => pg_temp.i('nf'), lease_token => pg_temp.tok('nf'), error => '{"code": "BAD_INPUT"}', retryable => false)).state,
    'FAILED', 'a failure that is not retryable: FAILED at once');

-- release: back at once, not counted -------------------------------------------------------------
INSERT INTO iv (k, invocation_id) VALUES ('r', (api.invocation_submit(tool_name => 'inv-echo', input => '{"text": "r"}', max_attempts => 1)).invocation_id);
SELECT is(ARRAY(SELECT pg_temp.claim('a')), ARRAY['r'], 'claim r');
SELECT results_eq($$ SELECT state, node_id FROM api.invocation_release(invocation_id => pg_temp.i('r'), lease_token => pg_temp.tok('r')) $$,
    $$ VALUES ('QUEUED', pg_temp.n('a')) $$, 'release: QUEUED at once');
SELECT throws_ok($$ SELECT api.invocation_release(invocation_id => pg_temp.i('r'), lease_token => pg_temp.tok('r')) $$, 'PT409', NULL, 'release twice: PT409');
SELECT is(ARRAY(SELECT pg_temp.claim('b')), ARRAY['r'], 'claimable again at once, by another node');
SELECT is((api.invocation_fail(invocation_id => pg_temp.i('r'), lease_token => pg_temp.tok('r'), error => '{"code": "E"}')).state, 'DEAD',
    'max_attempts 1: the released attempt did not count, the failed one did');
SELECT is(ARRAY(SELECT a->>'outcome' FROM api.invocation_get(invocation_id => pg_temp.i('r')) g, jsonb_array_elements(g.attempts) a),
    ARRAY['RELEASED', 'FAILED'], 'the attempts: RELEASED, then FAILED');

-- cancel ---------------------------------------------------------------------------------------------
SELECT results_eq($$ SELECT state, cancel_reason FROM api.invocation_cancel(invocation_id => pg_temp.i('later'), reason => 'not needed') $$,
    $$ VALUES ('CANCELLED', 'not needed') $$, 'cancel a QUEUED invocation: CANCELLED at once');
INSERT INTO iv (k, invocation_id) VALUES ('c', (api.invocation_submit(tool_name => 'inv-echo', input => '{"text": "c"}')).invocation_id);
SELECT is(ARRAY(SELECT pg_temp.claim('a')), ARRAY['c'], 'claim c');
SELECT results_eq($$ SELECT state, cancel_requested_at FROM api.invocation_cancel(invocation_id => pg_temp.i('c')) $$,
    $$ VALUES ('RUNNING', now()) $$, 'cancel a RUNNING invocation: still RUNNING, cancellation requested');
SELECT is((api.node_heartbeat(node_id => pg_temp.n('a'))).cancel_invocation_ids, ARRAY[pg_temp.i('c')], 'the node learns it from its heartbeat');
SELECT is((api.node_heartbeat(node_id => pg_temp.n('b'))).cancel_invocation_ids, '{}'::uuid[], 'another node is not told');
SELECT is((api.invocations_sweep()).cancelled, 0, 'within the grace period the sweep leaves it');
UPDATE orchestrator.invocations SET cancel_requested_at = now() - interval '61 seconds' WHERE invocation_id = pg_temp.i('c');
SELECT is((api.invocations_sweep()).cancelled, 1, 'after twice the lease the sweep ends it');
SELECT results_eq($$ SELECT g.state, a->>'outcome' FROM api.invocation_get(invocation_id => pg_temp.i('c')) g, jsonb_array_elements(g.attempts) a $$,
    $$ VALUES ('CANCELLED', 'CANCELLED') $$, 'CANCELLED, and its attempt too');
SELECT throws_ok($$ SELECT api.invocation_cancel(invocation_id => '00000000-0000-0000-0000-000000000000') $$, 'P0002', NULL, 'cancel an unknown invocation: P0002');
-- the node stops a cancelled run and reports it: CANCELLED, whatever its report says
INSERT INTO iv (k, invocation_id) VALUES ('cf', (api.invocation_submit(tool_name => 'inv-echo', input => '{"text": "cf"}')).invocation_id),
                                         ('cr', (api.invocation_submit(tool_name => 'inv-echo', input => '{"text": "cr"}')).invocation_id);
SELECT is(ARRAY(SELECT pg_temp.claim('a', 2) ORDER BY 1), ARRAY['cf', 'cr'], 'claim cf and cr');
SELECT is(ARRAY[(api.invocation_cancel(invocation_id => pg_temp.i('cf'))).state, (api.invocation_cancel(invocation_id => pg_temp.i('cr'))).state],
    ARRAY['RUNNING', 'RUNNING'], 'cancel both while RUNNING');
SELECT results_eq($$ SELECT g.state, a->>'outcome', a->'error'->>'code'
                     FROM api.invocation_fail(invocation_id => pg_temp.i('cf'), lease_token => pg_temp.tok('cf'), error => '{"code": "STOPPED"}', retryable => true) g,
                          jsonb_array_elements(g.attempts) a $$,
    $$ VALUES ('CANCELLED', 'CANCELLED', 'STOPPED') $$, 'a fail after a cancel request ends CANCELLED (not RETRY_WAIT), the node''s error on the attempt');
SELECT is((api.invocation_release(invocation_id => pg_temp.i('cr'), lease_token => pg_temp.tok('cr'))).state, 'CANCELLED',
    'a release after a cancel request ends CANCELLED (not QUEUED)');

-- the state machine in the table ------------------------------------------------------------------
SELECT throws_ok(format($$ UPDATE orchestrator.invocations SET state = 'QUEUED', finished_at = NULL WHERE invocation_id = %L $$, pg_temp.i('high')),
    'PT409', format('state: invocation %s is SUCCEEDED, it cannot become QUEUED', pg_temp.i('high')), 'a final state never changes: PT409 (trigger)');
SELECT throws_ok(format($$ UPDATE orchestrator.invocations SET state = 'RETRY_WAIT', finished_at = NULL WHERE invocation_id = %L $$, pg_temp.i('nf')),
    'PT409', NULL, 'a FAILED invocation is not retried by hand: PT409 (trigger)');
SELECT throws_ok(format($$ UPDATE orchestrator.invocation_attempts SET outcome = 'FAILED' WHERE invocation_id = %L $$, pg_temp.i('high')),
    'PT409', NULL, 'an ended attempt is never changed: PT409 (trigger)');
SELECT ok(orchestrator.invocation_transition_allowed('QUEUED', 'RUNNING') AND orchestrator.invocation_transition_allowed('RUNNING', 'RETRY_WAIT')
          AND orchestrator.invocation_transition_allowed('RETRY_WAIT', 'CANCELLED') AND NOT orchestrator.invocation_transition_allowed('QUEUED', 'SUCCEEDED')
          AND NOT orchestrator.invocation_transition_allowed('RETRY_WAIT', 'QUEUED') AND NOT orchestrator.invocation_transition_allowed('DEAD', 'QUEUED'),
    'the transitions allowed and refused');

-- leases: a heartbeat renews them, silence loses them ---------------------------------------------
-- s1 is RUNNING on node a. The attempt began an hour ago but node a beat just now: the lease holds.
SET LOCAL session_replication_role = replica;
UPDATE orchestrator.invocation_attempts SET started_at = now() - interval '1 hour' WHERE invocation_id = pg_temp.i('s1');
SET LOCAL session_replication_role = origin;
SELECT is((api.invocation_get(invocation_id => pg_temp.i('s1'))).lease_expires_at, now() + interval '30 seconds',
    'a run of an hour keeps its lease while its node heartbeats: the deadline is the last beat + lease');
SELECT is((api.invocations_sweep()).lease_lost, 0, 'and the sweep leaves it');
SELECT pg_temp.silence('a');
SELECT throws_ok($$ SELECT api.invocation_complete(invocation_id => pg_temp.i('s1'), lease_token => pg_temp.tok('s1'), output => '{"out": 1}') $$,
    'PT409', NULL, 'a late completion after the lease expired is refused, though the sweep has not run: PT409');
SELECT is(pg_temp.state('s1'), 'RUNNING', 'still RUNNING until the sweep');
SELECT results_eq($$ SELECT lease_lost, requeued, dead FROM api.invocations_sweep() $$, $$ VALUES (1, 1, 0) $$,
    'the sweep ends the lost lease and requeues the invocation');
SELECT results_eq($$ SELECT g.state, g.node_id, a->>'outcome' FROM api.invocation_get(invocation_id => pg_temp.i('s1')) g, jsonb_array_elements(g.attempts) a $$,
    $$ VALUES ('QUEUED', pg_temp.n('a'), 'LEASE_LOST') $$, 'QUEUED again; the attempt ended LEASE_LOST');
SELECT throws_ok($$ SELECT api.invocation_complete(invocation_id => pg_temp.i('s1'), lease_token => pg_temp.tok('s1'), output => '{"out": 1}') $$,
    'PT409', NULL, 'the old token stays stale: PT409');
SELECT is(ARRAY(SELECT pg_temp.claim('b')), ARRAY['s1'], 'another node takes it');
SELECT is((api.invocation_get(invocation_id => pg_temp.i('s1'))).attempt, 2, 'as attempt 2');
DO $$ BEGIN PERFORM set_config('aio.node_id', pg_temp.n('a')::text, true); END $$;
SET LOCAL ROLE aio_node;
SELECT throws_ok($$ SELECT api.invocation_complete(invocation_id => pg_temp.i('s1'), lease_token => pg_temp.tok_was('s1'), output => '{"out": 1}') $$,
    'PT409', NULL, 'node a''s late report with its own old token, now that node b holds it: PT409 (stale), not 42501');
RESET ROLE;
DO $$ BEGIN PERFORM set_config('aio.node_id', '', true); END $$;
-- a heartbeat does not revive an expired lease: it ends it first
INSERT INTO iv (k, invocation_id) VALUES ('hb', (api.invocation_submit(tool_name => 'inv-echo', input => '{"text": "hb"}')).invocation_id);
SELECT is(ARRAY(SELECT pg_temp.claim('a')), ARRAY['hb'], 'claim hb');
SELECT pg_temp.silence('a');
SELECT is((api.node_heartbeat(node_id => pg_temp.n('a'))).health, 'HEALTHY', 'node a beats again after an hour of silence');
SELECT results_eq($$ SELECT g.state, a->>'outcome' FROM api.invocation_get(invocation_id => pg_temp.i('hb')) g, jsonb_array_elements(g.attempts) a $$,
    $$ VALUES ('QUEUED', 'LEASE_LOST') $$, 'the beat ended the lease that had expired before it (LEASE_LOST, requeued), rather than renew it');
SELECT throws_ok($$ SELECT api.invocation_complete(invocation_id => pg_temp.i('hb'), lease_token => pg_temp.tok('hb'), output => '{"out": 1}') $$,
    'PT409', NULL, 'and the old token is stale');
SELECT is(ARRAY(SELECT pg_temp.claim('b')), ARRAY['hb'], 'hb runs again elsewhere');
-- a lost lease on the last attempt: DEAD
INSERT INTO iv (k, invocation_id) VALUES ('d', (api.invocation_submit(tool_name => 'inv-echo', input => '{"text": "d"}', max_attempts => 1)).invocation_id);
SELECT is(ARRAY(SELECT pg_temp.claim('a')), ARRAY['d'], 'claim d');
SELECT pg_temp.silence('a');
SELECT results_eq($$ SELECT lease_lost, requeued, dead FROM api.invocations_sweep() $$, $$ VALUES (1, 0, 1) $$, 'a lost lease on the last attempt: DEAD');

-- timeouts ------------------------------------------------------------------------------------------
INSERT INTO iv (k, invocation_id) VALUES
    ('rt', (api.invocation_submit(tool_name => 'inv-echo', input => '{"text": "rt"}', run_timeout_seconds => 60)).invocation_id),
    ('qt', (api.invocation_submit(tool_name => 'inv-echo', input => '{"text": "qt"}', queue_timeout_seconds => 60,
                                  not_before => now() + interval '1 hour')).invocation_id);
SELECT is(ARRAY(SELECT pg_temp.claim('b')), ARRAY['rt'], 'claim rt');
SELECT is((api.invocation_get(invocation_id => pg_temp.i('qt'))).queue_deadline, now() + interval '1 hour 1 minute',
    'the queue deadline counts from when it may first run (not_before)');
UPDATE orchestrator.invocations SET run_deadline = now() - interval '1 second' WHERE invocation_id = pg_temp.i('rt');
UPDATE orchestrator.invocations SET queue_deadline = now() - interval '1 second' WHERE invocation_id = pg_temp.i('qt');
SELECT throws_ok($$ SELECT api.invocation_complete(invocation_id => pg_temp.i('rt'), lease_token => pg_temp.tok('rt'), output => '{"out": 1}') $$,
    'PT409', NULL, 'a completion after the run deadline: PT409');
SELECT results_eq($$ SELECT run_timed_out, queue_timed_out FROM api.invocations_sweep() $$, $$ VALUES (1, 1) $$, 'the sweep ends run and queue timeouts');
SELECT is(ARRAY[pg_temp.state('rt'), pg_temp.state('qt')], ARRAY['TIMED_OUT', 'TIMED_OUT'], 'both TIMED_OUT');
SELECT throws_ok($$ SELECT api.invocations_sweep("limit" => 0) $$, '22023', NULL, 'sweep limit 0: 22023');

-- list -------------------------------------------------------------------------------------------------
SELECT is((SELECT count(*)::int FROM api.invocation_list(state => 'DEAD')), 4, 'list by state');
SELECT is((SELECT count(*)::int FROM api.invocation_list(node_id => pg_temp.n('b'), tool_id => pg_temp.t('echo'))), 4, 'list by node and tool');
SELECT is(ARRAY(SELECT invocation_id FROM api.invocation_list("limit" => 3) UNION ALL
                SELECT invocation_id FROM api.invocation_list("limit" => 100,
                    cursor => (SELECT cursor FROM api.invocation_list("limit" => 3) OFFSET 2))),
          ARRAY(SELECT invocation_id FROM api.invocation_list("limit" => 100)), 'keyset pages: page 1 then the rest equal one long page');
-- Each combination of filters (each branch of the list's statement): the rows of the table, newest first.
SELECT is(ARRAY(SELECT invocation_id FROM api.invocation_list(state => f.state, tool_id => f.tool_id, node_id => f.node_id, "limit" => 1000)),
          ARRAY(SELECT i.invocation_id FROM orchestrator.invocations i
                WHERE (f.state IS NULL OR i.state = f.state) AND (f.tool_id IS NULL OR i.tool_id = f.tool_id)
                  AND (f.node_id IS NULL OR i.node_id = f.node_id)
                ORDER BY i.created_at DESC, i.invocation_id DESC),
          format('list by %s: the %s matching rows, newest first', f.label,
                 (SELECT count(*) FROM orchestrator.invocations i WHERE (f.state IS NULL OR i.state = f.state)
                    AND (f.tool_id IS NULL OR i.tool_id = f.tool_id) AND (f.node_id IS NULL OR i.node_id = f.node_id))))
FROM (VALUES ('nothing', NULL, NULL, NULL),
             ('state', 'DEAD', NULL, NULL),
             ('tool', NULL, pg_temp.t('echo'), NULL),
             ('node', NULL, NULL, pg_temp.n('b')),
             ('tool and state', 'DEAD', pg_temp.t('echo'), NULL),
             ('node and state', 'DEAD', NULL, pg_temp.n('b')),
             ('tool, node and state', 'DEAD', pg_temp.t('echo'), pg_temp.n('b'))) AS f(label, state, tool_id, node_id);
SELECT is(ARRAY(SELECT invocation_id FROM api.invocation_list(tool_id => pg_temp.t('echo'), "limit" => 2) UNION ALL
                SELECT invocation_id FROM api.invocation_list(tool_id => pg_temp.t('echo'), "limit" => 1000,
                    cursor => (SELECT cursor FROM api.invocation_list(tool_id => pg_temp.t('echo'), "limit" => 2) OFFSET 1))),
          ARRAY(SELECT invocation_id FROM api.invocation_list(tool_id => pg_temp.t('echo'), "limit" => 1000)),
          'keyset pages of one tool: page 1 then the rest equal one long page');
SELECT throws_ok($$ SELECT api.invocation_list(state => 'LOST') $$, '22023', NULL, 'an unknown state: 22023');
SELECT throws_ok($$ SELECT api.invocation_list(cursor => 'bm90LWEtY3Vyc29y') $$, '22023', NULL, 'a foreign cursor: 22023');

-- lineage ----------------------------------------------------------------------------------------------
CREATE TEMP TABLE ar AS SELECT artifact_id FROM orchestrator.artifacts WHERE invocation_id = pg_temp.i('high');
INSERT INTO iv (k, invocation_id) VALUES ('down', (api.invocation_submit(tool_name => 'inv-echo', input => '{"text": "down"}',
    input_artifact_ids => ARRAY(SELECT artifact_id FROM ar))).invocation_id);
SELECT is((api.invocation_get(invocation_id => pg_temp.i('down'))).input_artifact_ids, ARRAY(SELECT artifact_id FROM ar), 'the input artifacts are kept');
SELECT is(ARRAY(SELECT pg_temp.claim('a')), ARRAY['down'], 'claim down');
SELECT is((api.invocation_complete(invocation_id => pg_temp.i('down'), lease_token => pg_temp.tok('down'), output => '{"out": 2}',
          artifacts => '[{"name": "down.txt", "uri": "s3://inv/down.txt"}]')).state, 'SUCCEEDED', 'complete down with an artifact');
SELECT results_eq($$ SELECT depth, artifact_name, invocation_id, tool_name, tool_version, node_id, input_artifact_ids
                     FROM api.artifact_lineage(artifact_id => (SELECT artifact_id FROM orchestrator.artifacts WHERE name = 'down.txt')) $$,
    $$ VALUES (0, 'down.txt', pg_temp.i('down'), 'inv-echo', '1.10.0', pg_temp.n('a'), ARRAY(SELECT artifact_id FROM ar)),
              (1, 'high.txt', pg_temp.i('high'), 'inv-echo', '1.10.0', pg_temp.n('a'), '{}'::uuid[]) $$,
    'lineage: the artifact, its invocation, tool version and node, and its input artifact with its own producer');
SELECT throws_ok($$ SELECT api.artifact_lineage(artifact_id => '00000000-0000-0000-0000-000000000000') $$, 'P0002', NULL, 'lineage of an unknown artifact: P0002');

-- purge -------------------------------------------------------------------------------------------------
UPDATE orchestrator.invocations SET created_at = now() - interval '40 days', finished_at = now() - interval '40 days'
WHERE invocation_id = pg_temp.i('high');
UPDATE orchestrator.invocations SET created_at = now() - interval '40 days' WHERE invocation_id = pg_temp.i('s1');
SELECT results_eq($$ SELECT deleted, more FROM api.invocations_purge(older_than_days => 30) $$, $$ VALUES (1::bigint, false) $$,
    'purge deletes the final invocations older than the cutoff (not the RUNNING one)');
SELECT is((SELECT count(*)::int FROM orchestrator.invocations WHERE invocation_id = pg_temp.i('high')), 0, 'the old one is gone, with its attempts');
SELECT is((SELECT invocation_id FROM orchestrator.artifacts WHERE name = 'high.txt'), NULL, 'its artifact stays, without its invocation');
SELECT throws_ok($$ SELECT api.invocations_purge(older_than_days => 0) $$, '22023', NULL, 'purge older_than_days 0: 22023');

-- a tool's invocation settings ------------------------------------------------------------------------
SELECT results_eq($$ SELECT lease_seconds, retry_output_invalid FROM api.tool_invocation_settings_get(tool_id => pg_temp.t('echo')) $$,
    $$ VALUES (30, false) $$, 'a tool''s invocation settings: lease 30 s, invalid outputs not retried');
SELECT results_eq($$ SELECT lease_seconds, retry_output_invalid FROM api.tool_invocation_settings_update(tool_id => pg_temp.t('echo'), lease_seconds => 120) $$,
    $$ VALUES (120, false) $$, 'update one setting; the other stays');
SELECT is((api.invocation_submit(tool_name => 'inv-echo', input => '{"text": "slow"}')).lease_seconds, 120, 'the next invocation takes the new lease');
SELECT throws_ok($$ SELECT api.tool_invocation_settings_update(tool_id => pg_temp.t('echo'), lease_seconds => 0) $$,
    '23514', 'lease_seconds: must be between 1 and 3600, got 0', 'lease_seconds 0: 23514');
SELECT throws_ok($$ SELECT api.tool_invocation_settings_get(tool_id => '00000000-0000-0000-0000-000000000000') $$, 'P0002', NULL, 'settings of an unknown tool: P0002');

-- a tool with invocations is not deleted
SELECT throws_ok($$ SELECT api.tool_delete(tool_id => pg_temp.t('strict')) $$, '23503', NULL, 'a tool with invocations is not deleted: 23503');

-- a claim merges the work targeted at its node and the untargeted work, in priority order ---------------
DELETE FROM orchestrator.invocations WHERE state IN ('QUEUED', 'RETRY_WAIT');
INSERT INTO iv (k, invocation_id) VALUES
    ('m-any-high', (api.invocation_submit(tool_name => 'inv-echo', input => '{"text": "h"}', priority => 10)).invocation_id),
    ('m-pinned',   (api.invocation_submit(tool_name => 'inv-pinned', input => '{"text": "p"}')).invocation_id),
    ('m-any-low',  (api.invocation_submit(tool_name => 'inv-echo', input => '{"text": "l"}', priority => -10)).invocation_id);
SELECT is(ARRAY(SELECT iv.k FROM api.node_claim(node_id => pg_temp.n('b'), "limit" => 10) WITH ORDINALITY AS c
                JOIN iv USING (invocation_id) ORDER BY c.ordinality),
    ARRAY['m-any-high', 'm-pinned', 'm-any-low'], 'node b: its own and the untargeted work, merged by priority');

-- the queue at a glance ------------------------------------------------------------------------------
SELECT function_returns('api', 'invocation_queue', ARRAY[]::text[], 'setof api.invocation_queue_entry');
SELECT ok((SELECT p.provolatile = 's' AND p.prosecdef FROM pg_proc p WHERE p.oid = 'api.invocation_queue()'::regprocedure),
    'invocation_queue is STABLE and SECURITY DEFINER');
SELECT ok(has_function_privilege('aio_reader', 'api.invocation_queue()', 'EXECUTE')
          AND NOT has_function_privilege('aio_anon', 'api.invocation_queue()', 'EXECUTE')
          AND NOT has_function_privilege('aio_node', 'api.invocation_queue()', 'EXECUTE'),
    'a reader reads the queue; anonymous callers and node keys may not');
DELETE FROM orchestrator.invocations;
DELETE FROM orchestrator.node_heartbeats;
SELECT is_empty($$ SELECT * FROM api.invocation_queue() $$, 'no unfinished work: no rows');
INSERT INTO iv (k, invocation_id) VALUES
    ('q-ready-1', (api.invocation_submit(tool_name => 'inv-echo', input => '{"text": "1"}')).invocation_id),
    ('q-ready-2', (api.invocation_submit(tool_name => 'inv-echo', input => '{"text": "2"}')).invocation_id),
    ('q-later',   (api.invocation_submit(tool_name => 'inv-echo', input => '{"text": "3"}', not_before => now() + interval '1 hour')).invocation_id),
    ('q-run',     (api.invocation_submit(tool_name => 'inv-echo', input => '{"text": "4"}', priority => 5)).invocation_id),
    ('q-done',    (api.invocation_submit(tool_name => 'inv-echo', input => '{"text": "5"}', priority => 9)).invocation_id),
    ('q-pinned',  (api.invocation_submit(tool_name => 'inv-pinned', input => '{"text": "6"}')).invocation_id);
SELECT is(ARRAY(SELECT pg_temp.claim('a', 2) ORDER BY 1), ARRAY['q-done', 'q-run'], 'node a claims the two of highest priority');
SELECT is((api.invocation_complete(invocation_id => pg_temp.i('q-done'), lease_token => pg_temp.tok('q-done'), output => '{"out": 1}')).state,
    'SUCCEEDED', 'one of them succeeds');
SELECT is((api.invocation_cancel(invocation_id => pg_temp.i('q-run'), reason => 'no longer needed')).state, 'RUNNING',
    'the other is asked to stop, and runs on until its node stops it');
UPDATE orchestrator.invocations SET run_after = now() - interval '90 seconds' WHERE invocation_id = pg_temp.i('q-ready-1');
SELECT results_eq($$ SELECT tool_name, tool_version, target_node_name, ready, scheduled, running, cancelling, longest_wait_seconds
                     FROM api.invocation_queue() ORDER BY target_node_name NULLS FIRST $$,
    $$ VALUES ('inv-echo', '1.10.0', NULL::text, 2, 1, 1, 1, 90.000::numeric), ('inv-pinned', '1.0.0', 'inv-b', 1, 0, 0, 0, 0.000) $$,
    'per tool and target: ready, scheduled, running and cancelling counted apart; the finished one not at all; the longest wait');
SELECT is((SELECT oldest_ready_at FROM api.invocation_queue() WHERE target_node_id IS NULL), now() - interval '90 seconds',
    'oldest_ready_at: when the oldest ready invocation became claimable');
SELECT is(ARRAY(SELECT tool_name FROM api.invocation_queue()), ARRAY['inv-echo', 'inv-pinned'], 'the longest wait comes first');
SELECT results_eq($$ SELECT target_node_health, stalled_reason FROM api.invocation_queue() ORDER BY target_node_id NULLS FIRST $$,
    $$ VALUES (NULL::text, 'no ACTIVE node has sent a heartbeat in the last 120 seconds'), ('UNKNOWN', 'the target node inv-b is UNKNOWN') $$,
    'stalled: no node beats for the untargeted work; the target node never beat');
SELECT lives_ok($$ SELECT api.node_heartbeat(node_id => pg_temp.n('b')) $$, 'node b beats');
SELECT results_eq($$ SELECT target_node_health, stalled_reason FROM api.invocation_queue() ORDER BY target_node_id NULLS FIRST $$,
    $$ VALUES (NULL::text, NULL::text), ('HEALTHY', NULL) $$, 'a beating ACTIVE node takes both: not stalled');
UPDATE orchestrator.nodes SET status = 'MAINTENANCE' WHERE node_id = pg_temp.n('b');
UPDATE orchestrator.tools SET status = 'INACTIVE' WHERE tool_id = pg_temp.t('echo');
SELECT results_eq($$ SELECT tool_status, stalled_reason FROM api.invocation_queue() ORDER BY target_node_id NULLS FIRST $$,
    $$ VALUES ('INACTIVE', 'the tool is INACTIVE: claims take only invocations of ACTIVE tools'),
              ('ACTIVE', 'the target node inv-b is MAINTENANCE') $$,
    'stalled: the tool is not ACTIVE; the target node is in MAINTENANCE (and no other node beats)');
SET LOCAL ROLE aio_reader;
SELECT is((SELECT count(*)::int FROM api.invocation_queue()), 2, 'a reader reads the queue');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
