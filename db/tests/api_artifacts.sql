-- pgTAP: api/artifacts
BEGIN;
SELECT plan(99);

-- A clean slate inside this transaction, whatever other tests left behind.
DELETE FROM orchestrator.invocations; DELETE FROM orchestrator.artifacts; DELETE FROM orchestrator.tools; DELETE FROM orchestrator.nodes;

-- signatures, volatility, security ----------------------------------------------------
SELECT has_function('api', 'artifact_create', ARRAY['text', 'text', 'uuid', 'uuid', 'text', 'bigint', 'text', 'jsonb']);
SELECT has_function('api', 'artifact_get', ARRAY['uuid']);
SELECT has_function('api', 'artifact_list', ARRAY['uuid', 'uuid', 'text', 'timestamp with time zone', 'timestamp with time zone', 'integer', 'text']);
SELECT has_function('api', 'artifact_list_by_tool', ARRAY['uuid', 'integer', 'text']);
SELECT has_function('api', 'artifact_list_large', ARRAY['bigint', 'integer', 'text']);
SELECT has_function('api', 'artifact_delete', ARRAY['uuid', 'bigint']);

SELECT function_returns('api', 'artifact_create', ARRAY['text', 'text', 'uuid', 'uuid', 'text', 'bigint', 'text', 'jsonb'], 'api.artifact');
SELECT function_returns('api', 'artifact_get', ARRAY['uuid'], 'api.artifact');
SELECT function_returns('api', 'artifact_list', ARRAY['uuid', 'uuid', 'text', 'timestamp with time zone', 'timestamp with time zone', 'integer', 'text'], 'setof api.artifact_item');
SELECT function_returns('api', 'artifact_list_by_tool', ARRAY['uuid', 'integer', 'text'], 'setof api.artifact_item');
SELECT function_returns('api', 'artifact_list_large', ARRAY['bigint', 'integer', 'text'], 'setof api.artifact_item');
SELECT function_returns('api', 'artifact_delete', ARRAY['uuid', 'bigint'], 'void');

SELECT volatility_is('api', 'artifact_get', ARRAY['uuid'], 'stable');
SELECT volatility_is('api', 'artifact_list', ARRAY['uuid', 'uuid', 'text', 'timestamp with time zone', 'timestamp with time zone', 'integer', 'text'], 'stable');
SELECT volatility_is('api', 'artifact_list_by_tool', ARRAY['uuid', 'integer', 'text'], 'stable');
SELECT volatility_is('api', 'artifact_list_large', ARRAY['bigint', 'integer', 'text'], 'stable');
SELECT volatility_is('api', 'artifact_create', ARRAY['text', 'text', 'uuid', 'uuid', 'text', 'bigint', 'text', 'jsonb'], 'volatile');
SELECT volatility_is('api', 'artifact_delete', ARRAY['uuid', 'bigint'], 'volatile');

SELECT is_definer('api', 'artifact_create', ARRAY['text', 'text', 'uuid', 'uuid', 'text', 'bigint', 'text', 'jsonb']);
SELECT is_definer('api', 'artifact_get', ARRAY['uuid']);
SELECT is_definer('api', 'artifact_list', ARRAY['uuid', 'uuid', 'text', 'timestamp with time zone', 'timestamp with time zone', 'integer', 'text']);
SELECT is_definer('api', 'artifact_list_by_tool', ARRAY['uuid', 'integer', 'text']);
SELECT is_definer('api', 'artifact_list_large', ARRAY['bigint', 'integer', 'text']);
SELECT is_definer('api', 'artifact_delete', ARRAY['uuid', 'bigint']);

-- privileges: the API role may execute, the BI role may not -----------------------------
SELECT function_privs_are('api', 'artifact_create', ARRAY['text', 'text', 'uuid', 'uuid', 'text', 'bigint', 'text', 'jsonb'], 'aio_api', ARRAY['EXECUTE']);
SELECT function_privs_are('api', 'artifact_get', ARRAY['uuid'], 'aio_api', ARRAY['EXECUTE']);
SELECT function_privs_are('api', 'artifact_list', ARRAY['uuid', 'uuid', 'text', 'timestamp with time zone', 'timestamp with time zone', 'integer', 'text'], 'aio_api', ARRAY['EXECUTE']);
SELECT function_privs_are('api', 'artifact_list_by_tool', ARRAY['uuid', 'integer', 'text'], 'aio_api', ARRAY['EXECUTE']);
SELECT function_privs_are('api', 'artifact_list_large', ARRAY['bigint', 'integer', 'text'], 'aio_api', ARRAY['EXECUTE']);
SELECT function_privs_are('api', 'artifact_delete', ARRAY['uuid', 'bigint'], 'aio_api', ARRAY['EXECUTE']);
SELECT function_privs_are('api', 'artifact_create', ARRAY['text', 'text', 'uuid', 'uuid', 'text', 'bigint', 'text', 'jsonb'], 'aio_bi', ARRAY[]::text[]);
SELECT function_privs_are('api', 'artifact_get', ARRAY['uuid'], 'aio_bi', ARRAY[]::text[]);
SELECT function_privs_are('api', 'artifact_list', ARRAY['uuid', 'uuid', 'text', 'timestamp with time zone', 'timestamp with time zone', 'integer', 'text'], 'aio_bi', ARRAY[]::text[]);
SELECT function_privs_are('api', 'artifact_list_by_tool', ARRAY['uuid', 'integer', 'text'], 'aio_bi', ARRAY[]::text[]);
SELECT function_privs_are('api', 'artifact_list_large', ARRAY['bigint', 'integer', 'text'], 'aio_bi', ARRAY[]::text[]);
SELECT function_privs_are('api', 'artifact_delete', ARRAY['uuid', 'bigint'], 'aio_bi', ARRAY[]::text[]);

-- behaviour, as the API role, with named arguments ------------------------------------
SET LOCAL ROLE aio_api;

-- Test fixtures: the artifacts made here by label (with the created_at each is given below),
-- and a walker that follows a list's cursors page by page (page_query has one %L for the
-- cursor) and returns every id it was given.
CREATE TEMP TABLE made (label text PRIMARY KEY, artifact_id uuid NOT NULL, created_at timestamptz);
CREATE FUNCTION pg_temp.aid(label text) RETURNS uuid
LANGUAGE sql STABLE AS $$ SELECT m.artifact_id FROM made m WHERE m.label = aid.label $$;
CREATE FUNCTION pg_temp.walk(page_query text) RETURNS TABLE (page integer, n integer, id uuid)
LANGUAGE plpgsql AS $$
DECLARE
    cur text;
    last_cursor text;
    row_id uuid;
BEGIN
    page := 0;
    LOOP
        page := page + 1;
        n := 0;
        FOR row_id, last_cursor IN EXECUTE format(page_query, cur) LOOP
            n := n + 1;
            id := row_id;
            RETURN NEXT;
        END LOOP;
        EXIT WHEN n = 0 OR page >= 100;
        cur := last_cursor;
    END LOOP;
END
$$;

CREATE TEMP TABLE node AS
    SELECT * FROM api.node_create(node_type => 'TOOL_EXECUTOR', address => 'http://10.0.0.8:8080', name => 'tap-artifacts-node');
CREATE TEMP TABLE tool_a AS SELECT * FROM api.tool_create(name => 'tool-a', version => '1.0.0', category => 'NLP');
CREATE TEMP TABLE tool_b AS SELECT * FROM api.tool_create(name => 'tool-b', version => '1.0.0', category => 'NLP');

SELECT lives_ok($$
    CREATE TEMP TABLE created AS
    SELECT * FROM api.artifact_create(name => 'summary.json', uri => 's3://results/run-42/summary.json',
                                      tool_id => (SELECT tool_id FROM tool_a), node_id => (SELECT node_id FROM node),
                                      mime_type => 'application/json', size_bytes => 5120,
                                      checksum_sha256 => repeat('ab', 32), metadata => '{"run": 42}')
$$, 'artifact_create records an artifact');
INSERT INTO made SELECT 'a1', artifact_id, '2026-01-01 00:00+00' FROM created;
SELECT is((SELECT ROW(name, uri, tool_id, node_id, mime_type, size_bytes, checksum_sha256, metadata)::text FROM created),
    (SELECT ROW('summary.json', 's3://results/run-42/summary.json', tool_a.tool_id, node.node_id, 'application/json',
                5120::bigint, repeat('ab', 32), '{"run": 42}'::jsonb)::text FROM tool_a, node),
    'artifact_create returns every field given');
SELECT is((SELECT created_at FROM created), now(), 'created_at is the time of creation');

SELECT lives_ok($$
    INSERT INTO made SELECT 'a6', artifact_id, '2026-01-05 00:00+00'
    FROM api.artifact_create(name => 'blob', uri => 'file:///tmp/blob')
$$, 'an artifact needs only a name and a uri');
SELECT is((SELECT ROW(tool_id, node_id, mime_type, size_bytes, checksum_sha256, metadata)::text
           FROM api.artifact_get(artifact_id => pg_temp.aid('a6'))),
    ROW(NULL::uuid, NULL::uuid, 'application/octet-stream', 0::bigint, NULL::text, '{}'::jsonb)::text,
    'defaults: no tool, no node, application/octet-stream, 0 bytes, no checksum, metadata {}');

INSERT INTO made SELECT 'a2', artifact_id, '2026-01-02 00:00+00'
    FROM api.artifact_create(name => 'notes.txt', uri => 's3://results/notes.txt', tool_id => (SELECT tool_id FROM tool_a),
                             mime_type => 'text/plain', size_bytes => 104857600);
INSERT INTO made SELECT 'a3', artifact_id, '2026-01-02 00:00+00'
    FROM api.artifact_create(name => 'almost.bin', uri => 's3://results/almost.bin', tool_id => (SELECT tool_id FROM tool_b),
                             node_id => (SELECT node_id FROM node), size_bytes => 104857599);
INSERT INTO made SELECT 'a4', artifact_id, '2026-01-03 00:00+00'
    FROM api.artifact_create(name => 'huge.bin', uri => 's3://results/huge.bin', size_bytes => 5368709120);
INSERT INTO made SELECT 'a5', artifact_id, '2026-01-04 00:00+00'
    FROM api.artifact_create(name => 'big-1.bin', uri => 's3://results/big-1.bin', tool_id => (SELECT tool_id FROM tool_b),
                             size_bytes => 2147483648);
INSERT INTO made SELECT 'a7', artifact_id, '2026-01-04 00:00+00'
    FROM api.artifact_create(name => 'big-2.bin', uri => 's3://results/big-2.bin', size_bytes => 2147483648);

-- Give the artifacts distinct creation times (with ties) as the owner; the API cannot set them.
RESET ROLE;
UPDATE orchestrator.artifacts a SET created_at = m.created_at FROM made m WHERE m.artifact_id = a.artifact_id;
SET LOCAL ROLE aio_api;

SELECT is((SELECT name FROM api.artifact_get(artifact_id => pg_temp.aid('a1'))), 'summary.json', 'artifact_get finds an artifact');

-- lists ---------------------------------------------------------------------------------
SELECT is((SELECT array_agg(artifact_id ORDER BY ordinality) FROM api.artifact_list() WITH ORDINALITY),
    (SELECT array_agg(artifact_id ORDER BY created_at DESC, artifact_id DESC) FROM made),
    'artifact_list: newest first, ties by artifact_id');
SELECT is((SELECT array_agg(artifact_id ORDER BY ordinality) FROM api.artifact_list(tool_id => (SELECT tool_id FROM tool_a)) WITH ORDINALITY),
    ARRAY[pg_temp.aid('a2'), pg_temp.aid('a1')], 'artifact_list filters by tool_id');
SELECT is((SELECT array_agg(artifact_id ORDER BY ordinality) FROM api.artifact_list(node_id => (SELECT node_id FROM node)) WITH ORDINALITY),
    ARRAY[pg_temp.aid('a3'), pg_temp.aid('a1')], 'artifact_list filters by node_id');
SELECT is((SELECT array_agg(artifact_id) FROM api.artifact_list(mime_type => 'text/plain')),
    ARRAY[pg_temp.aid('a2')], 'artifact_list filters by mime_type');
SELECT is((SELECT array_agg(artifact_id ORDER BY artifact_id) FROM api.artifact_list(created_after => '2026-01-04 00:00+00')),
    (SELECT array_agg(artifact_id ORDER BY artifact_id) FROM made WHERE label IN ('a5', 'a6', 'a7')),
    'created_after is inclusive');
SELECT is((SELECT array_agg(artifact_id) FROM api.artifact_list(created_before => '2026-01-02 00:00+00')),
    ARRAY[pg_temp.aid('a1')], 'created_before is exclusive');
SELECT is((SELECT array_agg(artifact_id ORDER BY artifact_id) FROM api.artifact_list(created_after => '2026-01-02 00:00+00', created_before => '2026-01-03 00:00+00')),
    (SELECT array_agg(artifact_id ORDER BY artifact_id) FROM made WHERE label IN ('a2', 'a3')),
    'created_after and created_before make a window');
SELECT is((SELECT array_agg(artifact_id) FROM api.artifact_list(tool_id => (SELECT tool_id FROM tool_b), created_after => '2026-01-03 00:00+00')),
    ARRAY[pg_temp.aid('a5')], 'artifact_list filters combine');
SELECT is((SELECT array_agg(artifact_id ORDER BY ordinality) FROM api.artifact_list_by_tool(tool_id => (SELECT tool_id FROM tool_b)) WITH ORDINALITY),
    ARRAY[pg_temp.aid('a5'), pg_temp.aid('a3')], 'artifact_list_by_tool: the tool''s artifacts, newest first');
CREATE TEMP TABLE tool_c AS SELECT * FROM api.tool_create(name => 'tool-c', version => '1.0.0', category => 'NLP');
SELECT is((SELECT count(*)::int FROM api.artifact_list_by_tool(tool_id => (SELECT tool_id FROM tool_c))),
    0, 'artifact_list_by_tool of a tool without artifacts is empty, not an error');
SELECT is((SELECT array_agg(artifact_id ORDER BY ordinality) FROM api.artifact_list_large() WITH ORDINALITY),
    ARRAY[pg_temp.aid('a4'), greatest(pg_temp.aid('a5'), pg_temp.aid('a7')), least(pg_temp.aid('a5'), pg_temp.aid('a7')), pg_temp.aid('a2')],
    'artifact_list_large: at least 100 MiB by default (not 100 MiB - 1), largest first');
SELECT is((SELECT array_agg(size_bytes ORDER BY ordinality) FROM api.artifact_list_large(min_size => 0) WITH ORDINALITY),
    ARRAY[5368709120, 2147483648, 2147483648, 104857600, 104857599, 5120, 0]::bigint[], 'min_size => 0 lists every artifact, largest first');
SELECT is((SELECT array_agg(artifact_id) FROM api.artifact_list_large(min_size => 3000000000)),
    ARRAY[pg_temp.aid('a4')], 'min_size is honoured');

-- keyset pagination: no artifact lost or repeated across pages, ties included
SELECT is((SELECT array_agg(id ORDER BY page, n) FROM pg_temp.walk($$SELECT artifact_id, cursor FROM api.artifact_list("limit" => 2, cursor => %L)$$)),
    (SELECT array_agg(artifact_id ORDER BY ordinality) FROM api.artifact_list("limit" => 1000) WITH ORDINALITY),
    'artifact_list pages of 2 hold every artifact once, in list order');
SELECT is((SELECT max(page) FROM pg_temp.walk($$SELECT artifact_id, cursor FROM api.artifact_list("limit" => 2, cursor => %L)$$)),
    4, 'seven artifacts make four pages of 2');
SELECT is((SELECT array_agg(id ORDER BY page, n) FROM pg_temp.walk($$SELECT artifact_id, cursor FROM api.artifact_list(created_after => '2026-01-02 00:00+00', "limit" => 1, cursor => %L)$$)),
    (SELECT array_agg(artifact_id ORDER BY ordinality) FROM api.artifact_list(created_after => '2026-01-02 00:00+00') WITH ORDINALITY),
    'filtered artifact_list pages of 1 hold every match once');
SELECT is((SELECT array_agg(id ORDER BY page, n) FROM pg_temp.walk($$SELECT artifact_id, cursor FROM api.artifact_list_by_tool(tool_id => (SELECT tool_id FROM tool_b), "limit" => 1, cursor => %L)$$)),
    ARRAY[pg_temp.aid('a5'), pg_temp.aid('a3')], 'artifact_list_by_tool pages of 1');
SELECT is((SELECT array_agg(id ORDER BY page, n) FROM pg_temp.walk($$SELECT artifact_id, cursor FROM api.artifact_list_large(min_size => 0, "limit" => 2, cursor => %L)$$)),
    (SELECT array_agg(artifact_id ORDER BY ordinality) FROM api.artifact_list_large(min_size => 0, "limit" => 1000) WITH ORDINALITY),
    'artifact_list_large pages of 2 hold every artifact once, size ties included');

-- delete --------------------------------------------------------------------------------
SELECT lives_ok($$ SELECT api.artifact_delete(artifact_id => pg_temp.aid('a6')) $$, 'artifact_delete deletes');
SELECT throws_ok($$ SELECT api.artifact_get(artifact_id => pg_temp.aid('a6')) $$, 'P0002', NULL, 'a deleted artifact is gone');
SELECT is((SELECT count(*)::int FROM api.artifact_list()), 6, 'the other artifacts stay');

-- errors, by SQLSTATE -------------------------------------------------------------------
SELECT throws_ok($$ SELECT api.artifact_create(name => 'x', uri => 's3://b/x', tool_id => '00000000-0000-0000-0000-000000000000') $$,
    '23503', 'tool_id: no tool has this id', 'unknown tool_id: 23503');
SELECT throws_ok($$ SELECT api.artifact_create(name => 'x', uri => 's3://b/x', node_id => '00000000-0000-0000-0000-000000000000') $$,
    '23503', 'node_id: no node has this id', 'unknown node_id: 23503');
SELECT throws_ok($$ SELECT api.artifact_create(name => 'x', uri => 'not a uri') $$,
    '23514', 'uri: must be an absolute URI with a scheme, e.g. s3://bucket/key, of at most 4096 characters', 'bad uri: 23514');
SELECT throws_ok($$ SELECT api.artifact_create(name => 'x', uri => 'bucket/key') $$,
    '23514', 'uri: must be an absolute URI with a scheme, e.g. s3://bucket/key, of at most 4096 characters', 'uri without a scheme: 23514');
SELECT throws_ok($$ SELECT api.artifact_create(name => 'x', uri => 's3://b/x', mime_type => 'Application/JSON') $$,
    '23514', 'mime_type: must be a lower-case type/subtype such as application/json', 'upper-case mime_type: 23514');
SELECT throws_ok($$ SELECT api.artifact_create(name => 'x', uri => 's3://b/x', mime_type => 'json') $$,
    '23514', 'mime_type: must be a lower-case type/subtype such as application/json', 'mime_type without a subtype: 23514');
SELECT throws_ok($$ SELECT api.artifact_create(name => 'x', uri => 's3://b/x', size_bytes => -1) $$,
    '23514', 'size_bytes: must be 0 or more', 'negative size: 23514');
SELECT throws_ok($$ SELECT api.artifact_create(name => 'x', uri => 's3://b/x', checksum_sha256 => repeat('AB', 32)) $$,
    '23514', 'checksum_sha256: must be 64 lower-case hexadecimal characters', 'upper-case checksum: 23514');
SELECT throws_ok($$ SELECT api.artifact_create(name => 'x', uri => 's3://b/x', checksum_sha256 => repeat('a', 63)) $$,
    '23514', 'checksum_sha256: must be 64 lower-case hexadecimal characters', '63-character checksum: 23514');
SELECT throws_ok($$ SELECT api.artifact_create(name => 'x', uri => 's3://b/x', checksum_sha256 => repeat('g', 64)) $$,
    '23514', 'checksum_sha256: must be 64 lower-case hexadecimal characters', 'non-hex checksum: 23514');
SELECT throws_ok($$ SELECT api.artifact_create(name => 'x', uri => 's3://b/x', metadata => '[]') $$,
    '23514', 'metadata: must be a JSON object', 'metadata not an object: 23514');
SELECT throws_ok($$ SELECT api.artifact_create(name => '   ', uri => 's3://b/x') $$,
    '23514', 'name: must be 1 to 512 characters and not blank', 'blank name: 23514');
SELECT throws_ok($$ SELECT api.artifact_create(name => NULL, uri => 's3://b/x') $$,
    '23502', 'name: is required and may not be null', 'null name: 23502');
SELECT throws_ok($$ SELECT api.artifact_create(name => 'x', uri => NULL) $$,
    '23502', 'uri: is required and may not be null', 'null uri: 23502');
SELECT throws_ok($$ SELECT api.artifact_create(name => 'x', uri => 's3://b/x', size_bytes => NULL) $$,
    '23502', 'size_bytes: is required and may not be null', 'null size_bytes: 23502');
SELECT throws_ok($$ SELECT api.artifact_create(name => 'x', uri => 's3://b/x', mime_type => NULL) $$,
    '23502', 'mime_type: is required and may not be null', 'null mime_type: 23502');

SELECT throws_ok($$ SELECT api.artifact_get(artifact_id => '00000000-0000-0000-0000-000000000000') $$,
    'P0002', 'artifact_id: no artifact has id 00000000-0000-0000-0000-000000000000', 'unknown artifact: P0002');
SELECT throws_ok($$ SELECT api.artifact_get(artifact_id => 'not-a-uuid') $$, '22P02', NULL, 'bad uuid: 22P02');
SELECT throws_ok($$ SELECT api.artifact_delete(artifact_id => '00000000-0000-0000-0000-000000000000') $$,
    'P0002', 'artifact_id: no artifact has id 00000000-0000-0000-0000-000000000000', 'delete of an unknown artifact: P0002');
SELECT throws_ok($$ SELECT * FROM api.artifact_list_by_tool(tool_id => '00000000-0000-0000-0000-000000000000') $$,
    'P0002', 'tool_id: no tool has id 00000000-0000-0000-0000-000000000000', 'artifacts of an unknown tool: P0002');

SELECT throws_ok($$ SELECT * FROM api.artifact_list("limit" => 0) $$, '22023', 'limit: must be between 1 and 1000, got 0', 'limit 0: 22023');
SELECT throws_ok($$ SELECT * FROM api.artifact_list("limit" => 1001) $$, '22023', 'limit: must be between 1 and 1000, got 1001', 'limit 1001: 22023');
SELECT throws_ok($$ SELECT * FROM api.artifact_list(cursor => 'garbage') $$,
    '22023', 'cursor: ''garbage'' is not a cursor issued by this list', 'bad cursor: 22023');
SELECT throws_ok($$ SELECT * FROM api.artifact_list(cursor => (SELECT cursor FROM api.tool_list() LIMIT 1)) $$,
    '22023', NULL, 'a tool list cursor: 22023');
SELECT throws_ok($$ SELECT * FROM api.artifact_list(cursor => (SELECT cursor FROM api.artifact_list_large(min_size => 0) LIMIT 1)) $$,
    '22023', NULL, 'an artifact_list_large cursor given to artifact_list: 22023');
SELECT throws_ok($$ SELECT * FROM api.artifact_list(cursor => rtrim(translate(encode(convert_to(
                        '[20260104, "00000000-0000-0000-0000-000000000000"]', 'UTF8'), 'base64'), '+/', '-_'), '=')) $$,
    '22023', NULL, 'a size cursor whose size reads as a date (20260104) given to artifact_list: 22023');
SELECT throws_ok($$ SELECT * FROM api.artifact_list(tool_id => 'x') $$, '22P02', NULL, 'tool_id filter not a uuid: 22P02');
SELECT throws_ok($$ SELECT * FROM api.artifact_list(created_after => 'not a time') $$, '22007', NULL, 'created_after not a time: 22007');
SELECT throws_ok($$ SELECT * FROM api.artifact_list_by_tool(tool_id => (SELECT tool_id FROM tool_a), "limit" => 0) $$,
    '22023', NULL, 'artifact_list_by_tool limit 0: 22023');
SELECT throws_ok($$ SELECT * FROM api.artifact_list_by_tool(tool_id => (SELECT tool_id FROM tool_a), cursor => 'garbage') $$,
    '22023', NULL, 'artifact_list_by_tool bad cursor: 22023');
SELECT throws_ok($$ SELECT * FROM api.artifact_list_large(min_size => -1) $$,
    '22023', 'min_size: must be 0 or more, got -1', 'negative min_size: 22023');
SELECT throws_ok($$ SELECT * FROM api.artifact_list_large(min_size => NULL) $$,
    '22023', 'min_size: must be 0 or more, got null', 'null min_size: 22023');
SELECT throws_ok($$ SELECT * FROM api.artifact_list_large("limit" => 1001) $$, '22023', NULL, 'artifact_list_large limit 1001: 22023');
SELECT throws_ok($$ SELECT * FROM api.artifact_list_large(cursor => 'garbage') $$, '22023', NULL, 'artifact_list_large bad cursor: 22023');
SELECT throws_ok($$ SELECT * FROM api.artifact_list_large(cursor => (SELECT cursor FROM api.artifact_list() LIMIT 1)) $$,
    '22023', NULL, 'an artifact_list cursor given to artifact_list_large: 22023');

-- the BI role may not call the api
SET LOCAL ROLE aio_bi;
SELECT throws_ok($$ SELECT api.artifact_list() $$, '42501', NULL, 'the BI role may not execute artifact_list: 42501');

RESET ROLE;
SELECT * FROM finish();
ROLLBACK;
