-- pgTAP: api/artifacts_batch
BEGIN;
SELECT plan(46);

DELETE FROM orchestrator.invocations; DELETE FROM orchestrator.artifacts; DELETE FROM orchestrator.tools; DELETE FROM orchestrator.nodes;

-- signature, volatility, security -------------------------------------------------------
SELECT has_function('api', 'artifact_create_batch', ARRAY['jsonb']);
SELECT function_returns('api', 'artifact_create_batch', ARRAY['jsonb'], 'setof api.artifact');
SELECT volatility_is('api', 'artifact_create_batch', ARRAY['jsonb'], 'volatile');
SELECT is_definer('api', 'artifact_create_batch', ARRAY['jsonb']);
SELECT is((SELECT proconfig FROM pg_proc WHERE oid = 'api.artifact_create_batch(jsonb)'::regprocedure),
    ARRAY['search_path=""'], 'search_path is pinned');

-- privileges: writers (and so admins) and node keys; not readers, anonymous callers or BI ---
SELECT function_privs_are('api', 'artifact_create_batch', ARRAY['jsonb'], 'aio_writer', ARRAY['EXECUTE']);
SELECT function_privs_are('api', 'artifact_create_batch', ARRAY['jsonb'], 'aio_admin', ARRAY['EXECUTE']);
SELECT function_privs_are('api', 'artifact_create_batch', ARRAY['jsonb'], 'aio_node', ARRAY['EXECUTE']);
SELECT function_privs_are('api', 'artifact_create_batch', ARRAY['jsonb'], 'aio_reader', ARRAY[]::text[]);
SELECT function_privs_are('api', 'artifact_create_batch', ARRAY['jsonb'], 'aio_anon', ARRAY[]::text[]);
SELECT function_privs_are('api', 'artifact_create_batch', ARRAY['jsonb'], 'aio_bi', ARRAY[]::text[]);

-- behaviour, as a writer, with named arguments -------------------------------------------
SET LOCAL ROLE aio_writer;
CREATE TEMP TABLE node AS
    SELECT * FROM api.node_create(node_type => 'TOOL_EXECUTOR', address => 'http://10.0.0.9:8080', name => 'tap-batch-node');
CREATE TEMP TABLE other_node AS
    SELECT * FROM api.node_create(node_type => 'TOOL_EXECUTOR', address => 'http://10.0.0.10:8080', name => 'tap-batch-other');
CREATE TEMP TABLE tool AS SELECT * FROM api.tool_create(name => 'tap-batch-tool', version => '1.0.0', category => 'NLP');

SELECT lives_ok(format($$
    CREATE TEMP TABLE made AS
    SELECT *, row_number() OVER () AS n FROM api.artifact_create_batch(artifacts => %L)
$$, jsonb_build_array(
        jsonb_build_object('name', 'first.json', 'uri', 's3://results/first.json', 'tool_id', (SELECT tool_id FROM tool),
                           'node_id', (SELECT node_id FROM node), 'mime_type', 'application/json', 'size_bytes', 5120,
                           'checksum_sha256', repeat('ab', 32), 'metadata', jsonb_build_object('run', 1)),
        jsonb_build_object('name', 'second.bin', 'uri', 's3://results/second.bin'),
        jsonb_build_object('name', 'third.txt', 'uri', 's3://results/third.txt', 'mime_type', 'text/plain',
                           'size_bytes', 0, 'tool_id', NULL))), 'artifact_create_batch records a batch');
SELECT is((SELECT array_agg(name ORDER BY n) FROM made), ARRAY['first.json', 'second.bin', 'third.txt'],
    'returns every artifact, in the order given');
RESET ROLE;
SELECT is((SELECT count(*) FROM orchestrator.artifacts a JOIN made USING (artifact_id))::int, 3, 'every artifact is stored');
SET LOCAL ROLE aio_writer;
SELECT is((SELECT ROW(name, uri, tool_id, node_id, mime_type, size_bytes, checksum_sha256, metadata)::text FROM made WHERE n = 1),
    (SELECT ROW('first.json', 's3://results/first.json', tool.tool_id, node.node_id, 'application/json', 5120::bigint,
                repeat('ab', 32), '{"run": 1}'::jsonb)::text FROM tool, node),
    'every field given is recorded');
SELECT is((SELECT ROW(tool_id, node_id, mime_type, size_bytes, checksum_sha256, metadata)::text FROM made WHERE n = 2),
    ROW(NULL::uuid, NULL::uuid, 'application/octet-stream', 0::bigint, NULL::text, '{}'::jsonb)::text,
    'the defaults of artifact_create fill the fields left out');
SELECT is((SELECT count(DISTINCT created_at)::int FROM made), 1, 'one statement: one creation time');
SELECT is_empty($$ SELECT * FROM api.artifact_create_batch(artifacts => '[]') $$, 'an empty batch records nothing');
SELECT is((SELECT count(*)::int FROM api.artifact_create_batch(artifacts => (
        SELECT jsonb_agg(jsonb_build_object('name', 'bulk-' || g, 'uri', 's3://bulk/' || g)) FROM generate_series(1, 10000) g))),
    10000, 'a batch of 10,000 items, the most allowed');

-- errors: nothing is written, and every bad item is named ----------------------------------
RESET ROLE;
CREATE TEMP TABLE before AS SELECT count(*) AS n FROM orchestrator.artifacts;
SET LOCAL ROLE aio_writer;

SELECT throws_ok($$ SELECT * FROM api.artifact_create_batch(artifacts => NULL) $$,
    '23502', 'artifacts: is required and may not be null', 'artifacts may not be null');
SELECT throws_ok($$ SELECT * FROM api.artifact_create_batch(artifacts => '{"name": "a", "uri": "s3://a"}') $$,
    '22023', 'artifacts: must be a JSON array of artifact objects, got object', 'artifacts must be an array');
SELECT throws_ok($$ SELECT * FROM api.artifact_create_batch(artifacts => (
        SELECT jsonb_agg(jsonb_build_object('name', 'n', 'uri', 's3://n')) FROM generate_series(1, 10001))) $$,
    '22023', 'artifacts: at most 10000 items per batch, got 10001', 'at most 10,000 items');
SELECT throws_ok($$ SELECT * FROM api.artifact_create_batch(artifacts => '[{"name": "a", "uri": "s3://a"}, "b"]') $$,
    '22023', 'artifacts[1]: must be a JSON object, got string', 'an item must be an object');
SELECT throws_ok($$ SELECT * FROM api.artifact_create_batch(artifacts => '[{"name": "a", "uri": "s3://a", "created_at": "2026-01-01"}]') $$,
    '22023', 'artifacts[0].created_at: unknown field', 'an unknown field is named');
SELECT throws_ok($$ SELECT * FROM api.artifact_create_batch(artifacts => '[{"name": "a", "uri": "s3://a", "size_bytes": "12"}]') $$,
    '22023', 'artifacts[0].size_bytes: must be a JSON number, got string', 'a field of the wrong JSON type');
SELECT throws_ok($$ SELECT * FROM api.artifact_create_batch(artifacts => '[{"name": "a", "uri": "s3://a", "size_bytes": 1.5}]') $$,
    '22023', 'artifacts[0].size_bytes: must be a whole number, got 1.5', 'size_bytes must be a whole number');
SELECT throws_ok($$ SELECT * FROM api.artifact_create_batch(artifacts => '[{"name": "a", "uri": "s3://a", "size_bytes": 1e19}]') $$,
    '22003', 'artifacts[0].size_bytes: 10000000000000000000 is out of range for a byte count', 'size_bytes out of range');
SELECT throws_ok($$ SELECT * FROM api.artifact_create_batch(artifacts => '[{"name": "a", "uri": "s3://a", "tool_id": "tool-1"}]') $$,
    '22P02', 'artifacts[0].tool_id: ''tool-1'' is not a UUID', 'a tool_id that is not a UUID');
SELECT throws_ok($$ SELECT * FROM api.artifact_create_batch(artifacts => '[{"name": "a", "uri": "s3://a"}, {"uri": "s3://b"}]') $$,
    '23502', 'artifacts[1].name: is required and may not be null', 'an item without a name');
SELECT throws_ok($$ SELECT * FROM api.artifact_create_batch(artifacts => '[{"name": "a", "uri": "s3://a", "mime_type": null}]') $$,
    '23502', 'artifacts[0].mime_type: is required and may not be null', 'null for a field that needs a value');
SELECT throws_ok($$ SELECT * FROM api.artifact_create_batch(artifacts => '[{"name": "a", "uri": "s3://a"}, {"name": "b", "uri": "s3://b", "size_bytes": -1}]') $$,
    '23514', 'artifacts[1].size_bytes: must be 0 or more', 'a negative size_bytes');
SELECT throws_ok($$ SELECT * FROM api.artifact_create_batch(artifacts => '[{"name": "a", "uri": "s3://a", "checksum_sha256": "abc"}]') $$,
    '23514', 'artifacts[0].checksum_sha256: must be 64 lower-case hexadecimal characters', 'a bad checksum');
SELECT throws_ok($$ SELECT * FROM api.artifact_create_batch(artifacts => '[{"name": "a", "uri": "no scheme"}]') $$,
    '23514', 'artifacts[0].uri: must be an absolute URI with a scheme, e.g. s3://bucket/key, of at most 4096 characters', 'a bad uri');
SELECT throws_ok($$ SELECT * FROM api.artifact_create_batch(artifacts => '[{"name": "a", "uri": "s3://a", "metadata": [1]}]') $$,
    '23514', 'artifacts[0].metadata: must be a JSON object', 'metadata must be an object');
SELECT throws_ok($$ SELECT * FROM api.artifact_create_batch(artifacts => '[{"name": "a", "uri": "s3://a", "tool_id": "00000000-0000-4000-8000-000000000000"}]') $$,
    '23503', 'artifacts[0].tool_id: no tool has id 00000000-0000-4000-8000-000000000000', 'a tool_id that names nothing');
SELECT throws_ok($$ SELECT * FROM api.artifact_create_batch(artifacts => '[{"name": "a", "uri": "s3://a", "node_id": "00000000-0000-4000-8000-000000000000"}]') $$,
    '23503', 'artifacts[0].node_id: no node has id 00000000-0000-4000-8000-000000000000', 'a node_id that names nothing');
SELECT throws_ok($$ SELECT * FROM api.artifact_create_batch(artifacts => '[{"name": "a", "uri": "s3://a", "size_bytes": -1},
        {"name": "ok", "uri": "s3://ok"}, {"name": "c", "uri": "s3://c", "tool_id": "00000000-0000-4000-8000-000000000000"}, 7]') $$,
    '22023', 'artifacts[0].size_bytes: must be 0 or more; artifacts[2].tool_id: no tool has id 00000000-0000-4000-8000-000000000000; artifacts[3]: must be a JSON object, got number',
    'several bad items: each is named, the SQLSTATE is the most basic problem''s');
SELECT throws_like($$ SELECT * FROM api.artifact_create_batch(artifacts => (
        SELECT jsonb_agg(jsonb_build_object('name', 'n', 'uri', 's3://n', 'size_bytes', -g)) FROM generate_series(1, 150) g)) $$,
    '%artifacts[99].size_bytes: must be 0 or more; and 50 more problems', 'the error names the first 100 problems, then counts the rest');
RESET ROLE;
SELECT is((SELECT count(*) FROM orchestrator.artifacts), (SELECT n FROM before), 'a failed batch writes nothing');

-- a node key records its own artifacts only ------------------------------------------------
GRANT SELECT ON node, other_node TO aio_node;
SELECT set_config('aio.node_id', (SELECT node_id::text FROM node), true);
SET LOCAL ROLE aio_node;
SELECT is((SELECT count(*)::int FROM api.artifact_create_batch(artifacts => jsonb_build_array(
        jsonb_build_object('name', 'mine', 'uri', 's3://mine', 'node_id', (SELECT node_id FROM node))))),
    1, 'a node key records artifacts of its own node');
SELECT throws_ok(format($$ SELECT * FROM api.artifact_create_batch(artifacts => %L) $$, jsonb_build_array(
        jsonb_build_object('name', 'mine', 'uri', 's3://mine', 'node_id', (SELECT node_id FROM node)),
        jsonb_build_object('name', 'theirs', 'uri', 's3://theirs', 'node_id', (SELECT node_id FROM other_node)))),
    '42501', NULL, 'a node key may not record artifacts of another node');
RESET ROLE;

-- size_bytes written 3.0 is the whole number 3 ------------------------------------------------
SELECT is((SELECT array_agg(size_bytes ORDER BY name) FROM api.artifact_create_batch(artifacts =>
        '[{"name": "a", "uri": "s3://b/a", "size_bytes": 3.0}, {"name": "b", "uri": "s3://b/b", "size_bytes": 1.5e3},
          {"name": "c", "uri": "s3://b/c", "size_bytes": 7}, {"name": "d", "uri": "s3://b/d"}]')),
    ARRAY[3, 1500, 7, 0]::bigint[], 'a whole number written 3.0 or 1.5e3 is stored as that integer');
SELECT throws_ok($$ SELECT * FROM api.artifact_create_batch(artifacts => '[{"name": "a", "uri": "s3://b/a", "size_bytes": 3.5}]') $$,
    '22023', 'artifacts[0].size_bytes: must be a whole number, got 3.5', 'a fraction is still refused, by name');
SELECT throws_ok($$ SELECT * FROM api.artifact_create_batch(artifacts => '[{"name": "a", "uri": "s3://b/a", "size_bytes": -2.0}]') $$,
    '23514', 'artifacts[0].size_bytes: must be 0 or more', 'a negative whole number breaks the rule of the column');
SELECT throws_ok($$ SELECT * FROM api.artifact_create_batch(artifacts => '[{"name": "a", "uri": "s3://b/a", "size_bytes": 1e30}]') $$,
    '22003', 'artifacts[0].size_bytes: 1000000000000000000000000000000 is out of range for a byte count', 'a whole number beyond bigint: 22003');
SELECT throws_ok($$ SELECT * FROM api.artifact_create_batch(artifacts => '[{"name": "a", "uri": "s3://b/a", "size_bytes": 2.0}, 5]') $$,
    '22023', 'artifacts[1]: must be a JSON object, got number', 'an item that is not an object is still named');

SELECT * FROM finish();
ROLLBACK;
