-- pgTAP: the reads, a token's identity and an invocation's life run no helper of orchestrator or
-- auth as a SQL function call of its own.
-- Such a call (a SQL function with a subquery or a FROM, or an IMMUTABLE one calling a STABLE
-- function, is never inlined) plans its body again in every transaction: twice the time of a
-- whole tool_get. PL/pgSQL helpers keep their plans for the session; inlined ones are planned with
-- the query. track_functions = all counts the SQL function calls that were not inlined.
BEGIN;
SET LOCAL track_functions = 'all';
SELECT plan(16);

DELETE FROM orchestrator.invocations; DELETE FROM orchestrator.artifacts; DELETE FROM orchestrator.tools; DELETE FROM orchestrator.nodes;
CREATE TEMP TABLE node AS
    SELECT * FROM api.node_create(node_type => 'TOOL_EXECUTOR', address => 'http://10.0.0.9:8080', name => 'tap-plans-node');
CREATE TEMP TABLE tool AS
    SELECT * FROM api.tool_create(name => 'tap-plans-tool', version => '1.0.0', category => 'NLP', tags => ARRAY['nlp', 'x'],
        -- Schemas with properties: submit and complete run the validator's keyword checks.
        input_schema => '{"type": "object", "required": ["text"], "properties": {"text": {"type": "string", "minLength": 1}, "n": {"type": "integer", "minimum": 0}}}',
        output_schema => '{"type": "object", "properties": {"summary": {"type": "string"}}}');
CREATE TEMP TABLE artifact AS
    SELECT * FROM api.artifact_create(name => 'out.json', uri => 's3://r/out.json', tool_id => (SELECT tool_id FROM tool));

-- The SQL functions of orchestrator and auth called so far in this transaction, by how often.
-- Not counted: the constant lists node_statuses(), tool_statuses() and invocation_states(), which
-- the planner itself evaluates when a list filter's check is planned (lists plan each call).
CREATE FUNCTION pg_temp.sql_helper_calls() RETURNS TABLE (helper regprocedure, calls bigint)
LANGUAGE sql AS $$
    SELECT f.funcid::regprocedure, f.calls
    FROM pg_stat_xact_user_functions f
    JOIN pg_proc p ON p.oid = f.funcid
    WHERE p.prolang = (SELECT oid FROM pg_language WHERE lanname = 'sql')
      AND p.pronamespace IN ('orchestrator'::regnamespace, 'auth'::regnamespace)
      AND p.oid NOT IN ('orchestrator.node_statuses()'::regprocedure, 'orchestrator.tool_statuses()'::regprocedure,
                        'orchestrator.invocation_states()'::regprocedure)
$$;
CREATE FUNCTION pg_temp.helpers_called_by(call text) RETURNS SETOF regprocedure
LANGUAGE plpgsql AS $$
BEGIN
    CREATE TEMP TABLE before ON COMMIT DROP AS SELECT * FROM pg_temp.sql_helper_calls();
    EXECUTE call;
    RETURN QUERY SELECT a.helper FROM pg_temp.sql_helper_calls() a
                 LEFT JOIN before b ON b.helper = a.helper
                 WHERE a.calls > coalesce(b.calls, 0);
    DROP TABLE before;
END
$$;

SELECT is_empty($$ SELECT * FROM pg_temp.helpers_called_by(
    format('SELECT * FROM api.tool_get(tool_id => %L)', (SELECT tool_id FROM tool))) $$,
    'tool_get calls no SQL helper');
SELECT is_empty($$ SELECT * FROM pg_temp.helpers_called_by(
    format('SELECT * FROM api.tool_get_by_name(tool_name => %L)', 'tap-plans-tool')) $$,
    'tool_get_by_name calls no SQL helper');
SELECT is_empty($$ SELECT * FROM pg_temp.helpers_called_by('SELECT * FROM api.tool_list()') $$,
    'tool_list calls no SQL helper, not even once per row');
SELECT is_empty($$ SELECT * FROM pg_temp.helpers_called_by(
    format('SELECT * FROM api.node_get(node_id => %L)', (SELECT node_id FROM node))) $$,
    'node_get calls no SQL helper');
SELECT is_empty($$ SELECT * FROM pg_temp.helpers_called_by('SELECT * FROM api.node_list()') $$,
    'node_list calls no SQL helper, not even once per row');
SELECT is_empty($$ SELECT * FROM pg_temp.helpers_called_by(
    format('SELECT * FROM api.artifact_get(artifact_id => %L)', (SELECT artifact_id FROM artifact))) $$,
    'artifact_get calls no SQL helper');
SELECT is_empty($$ SELECT * FROM pg_temp.helpers_called_by('SELECT * FROM api.artifact_list()') $$,
    'artifact_list calls no SQL helper, not even once per row');
SELECT is_empty($$ SELECT * FROM pg_temp.helpers_called_by('SELECT * FROM auth.identity_for(''reader'', NULL)') $$,
    'identity_for (a token''s identity, every request with one) calls no SQL helper');
SELECT is_empty($$ SELECT * FROM pg_temp.helpers_called_by(format(
    'CREATE TEMP TABLE submitted AS SELECT * FROM api.invocation_submit(tool_id => %L, input => ''{"text": "hi", "n": 2}'')', (SELECT tool_id FROM tool))) $$,
    'invocation_submit calls no SQL helper');
SELECT is_empty($$ SELECT * FROM pg_temp.helpers_called_by(format(
    'CREATE TEMP TABLE claimed AS SELECT * FROM api.node_claim(node_id => %L)', (SELECT node_id FROM node))) $$,
    'node_claim calls no SQL helper');
SELECT is_empty($$ SELECT * FROM pg_temp.helpers_called_by(format(
    'SELECT * FROM api.invocation_complete(invocation_id => %L, lease_token => %L, output => ''{"summary": "hi"}'')',
    (SELECT invocation_id FROM claimed), (SELECT lease_token FROM claimed))) $$,
    'invocation_complete calls no SQL helper');
SELECT api.invocation_submit(tool_id => (SELECT tool_id FROM tool), input => '{"text": "again"}') IS NOT NULL AS submitted_again \gset
CREATE TEMP TABLE to_fail AS SELECT * FROM api.node_claim(node_id => (SELECT node_id FROM node));
SELECT is_empty($$ SELECT * FROM pg_temp.helpers_called_by(format(
    'SELECT * FROM api.invocation_fail(invocation_id => %L, lease_token => %L, error => ''{"code": "X", "message": "x"}'')',
    (SELECT invocation_id FROM to_fail), (SELECT lease_token FROM to_fail))) $$,
    'invocation_fail (a retry: attempts counted, the wait drawn) calls no SQL helper');
SELECT is_empty($$ SELECT * FROM pg_temp.helpers_called_by(
    format('SELECT * FROM api.invocation_get(invocation_id => %L)', (SELECT invocation_id FROM submitted))) $$,
    'invocation_get calls no SQL helper');
SELECT is_empty($$ SELECT * FROM pg_temp.helpers_called_by('SELECT * FROM api.invocation_list()') $$,
    'invocation_list calls no SQL helper, not even once per row');
SELECT is_empty($$ SELECT * FROM pg_temp.helpers_called_by(
    format('SELECT * FROM api.node_heartbeat(node_id => %L)', (SELECT node_id FROM node))) $$,
    'node_heartbeat calls no SQL helper');

-- The check sees such a call when there is one (estimated_rows reads pg_class: never inlined).
SELECT is((SELECT array_agg(h) FROM pg_temp.helpers_called_by('SELECT orchestrator.estimated_rows(''orchestrator.tools'')') h),
    ARRAY['orchestrator.estimated_rows(regclass)'::regprocedure], 'a SQL helper that is called is seen');

SELECT * FROM finish();
ROLLBACK;
