-- pgTAP: api/service
BEGIN;
SELECT plan(46);

-- A clean slate inside this transaction, whatever other tests left behind.
DELETE FROM orchestrator.invocations; DELETE FROM orchestrator.artifacts; DELETE FROM orchestrator.tools; DELETE FROM orchestrator.nodes;

-- signatures, volatility, security ----------------------------------------------------
SELECT has_function('api', 'service_info', ARRAY[]::text[]);
SELECT has_function('api', 'health', ARRAY[]::text[]);
SELECT has_function('api', 'stats_summary', ARRAY[]::text[]);
SELECT function_returns('api', 'service_info', ARRAY[]::text[], 'record');
SELECT function_returns('api', 'health', ARRAY[]::text[], 'record');
SELECT function_returns('api', 'stats_summary', ARRAY[]::text[], 'record');
SELECT volatility_is('api', 'service_info', ARRAY[]::text[], 'stable');
SELECT volatility_is('api', 'health', ARRAY[]::text[], 'stable');
SELECT volatility_is('api', 'stats_summary', ARRAY[]::text[], 'stable');
SELECT is_definer('api', 'service_info', ARRAY[]::text[]);
SELECT is_definer('api', 'health', ARRAY[]::text[]);
SELECT is_definer('api', 'stats_summary', ARRAY[]::text[]);

-- the result columns, in order, as the routes return them
SELECT is((SELECT proargnames FROM pg_proc WHERE oid = 'api.service_info()'::regprocedure),
    ARRAY['name', 'version', 'schema_version', 'deployed_at', 'docs', 'redoc', 'openapi'], 'service_info columns');
SELECT is((SELECT proargnames FROM pg_proc WHERE oid = 'api.health()'::regprocedure),
    ARRAY['status', 'schema_version', 'database_time'], 'health columns');
SELECT is((SELECT proargnames FROM pg_proc WHERE oid = 'api.stats_summary()'::regprocedure),
    ARRAY['total_nodes', 'total_tools', 'total_artifacts', 'total_artifact_bytes', 'total_tags', 'nodes_by_status', 'tools_by_status', 'estimated'],
    'stats_summary columns');

-- privileges: the API role may execute, the BI role may not -----------------------------
SELECT function_privs_are('api', 'service_info', ARRAY[]::text[], 'aio_api', ARRAY['EXECUTE']);
SELECT function_privs_are('api', 'health', ARRAY[]::text[], 'aio_api', ARRAY['EXECUTE']);
SELECT function_privs_are('api', 'stats_summary', ARRAY[]::text[], 'aio_api', ARRAY['EXECUTE']);
SELECT function_privs_are('api', 'service_info', ARRAY[]::text[], 'aio_bi', ARRAY[]::text[]);
SELECT function_privs_are('api', 'health', ARRAY[]::text[], 'aio_bi', ARRAY[]::text[]);
SELECT function_privs_are('api', 'stats_summary', ARRAY[]::text[], 'aio_bi', ARRAY[]::text[]);

-- service_info and health, as the API role; compared with the sqitch registry as the owner
SET LOCAL ROLE aio_api;
SELECT lives_ok($$ CREATE TEMP TABLE info AS SELECT * FROM api.service_info() $$, 'service_info answers the API role');
SELECT lives_ok($$ CREATE TEMP TABLE alive AS SELECT * FROM api.health() $$, 'health answers the API role');
RESET ROLE;

CREATE TEMP TABLE deployed AS
    SELECT c.change, c.committed_at FROM sqitch.changes c WHERE c.project = 'ai-orchestrator'
    ORDER BY c.committed_at DESC LIMIT 1;
SELECT is((SELECT ROW(name, docs, redoc, openapi)::text FROM info), ROW('AI Orchestrator', '/docs', '/redoc', '/openapi.json')::text,
    'service_info: the name and the links to the API docs');
SELECT isnt((SELECT schema_version FROM info), NULL, 'service_info: the schema version is known (the registry is readable)');
SELECT is((SELECT ROW(schema_version, deployed_at)::text FROM info), (SELECT ROW(change, committed_at)::text FROM deployed),
    'service_info: schema_version and deployed_at are the last deployed sqitch change');
SELECT is((SELECT version FROM info),
    coalesce((SELECT ltrim(t.tag, '@v') FROM sqitch.tags t WHERE t.project = 'ai-orchestrator' ORDER BY t.committed_at DESC LIMIT 1),
             'unreleased'),
    'service_info: version is the last release tag, or unreleased before the first');
SELECT is((SELECT status FROM alive), 'ok', 'health: ok');
SELECT is((SELECT schema_version FROM alive), (SELECT change FROM deployed), 'health: the deployed schema version');
SELECT is((SELECT database_time FROM alive), now(), 'health: the database time');

-- stats_summary, as the API role --------------------------------------------------------
SET LOCAL ROLE aio_api;
SELECT is((SELECT ROW(s.*)::text FROM api.stats_summary() s),
    ROW(0::bigint, 0::bigint, 0::bigint, 0::numeric, 0::bigint,
        '{"ACTIVE": 0, "INACTIVE": 0, "MAINTENANCE": 0, "ERROR": 0}'::jsonb,
        '{"ACTIVE": 0, "INACTIVE": 0, "DEPRECATED": 0}'::jsonb, '{}'::text[])::text,
    'stats_summary of an empty database: zeros, every status listed, nothing estimated');

CREATE TEMP TABLE node AS
    SELECT * FROM api.node_create(node_type => 'TOOL_EXECUTOR', address => 'http://10.0.0.9:8080', name => 'tap-stats-1');
CREATE TEMP TABLE tool AS
    SELECT * FROM api.tool_create(name => 'stats-a', version => '1.0.0', category => 'NLP', tags => '{nlp,summarization}');
DO $$
BEGIN
    PERFORM api.node_create(node_type => 'GPU_WORKER', address => 'grpc://gpu-1:50051', status => 'MAINTENANCE');
    PERFORM api.node_create(node_type => 'GPU_WORKER', address => 'grpc://gpu-2:50051', status => 'MAINTENANCE');
    PERFORM api.tool_create(name => 'stats-a', version => '0.9.0', category => 'NLP', status => 'DEPRECATED', tags => '{nlp}');
    PERFORM api.tool_create(name => 'stats-b', version => '1.0.0', category => 'VISION', status => 'DEPRECATED', tags => '{vision}');
    PERFORM api.artifact_create(name => 'a', uri => 's3://tap/a', tool_id => (SELECT tool_id FROM tool), size_bytes => 100);
    PERFORM api.artifact_create(name => 'b', uri => 's3://tap/b', node_id => (SELECT node_id FROM node), size_bytes => 5368709120);
END
$$;

SELECT is((SELECT total_nodes FROM api.stats_summary()), 3::bigint, 'stats_summary counts nodes');
SELECT is((SELECT total_tools FROM api.stats_summary()), 3::bigint, 'stats_summary counts tools (every version)');
SELECT is((SELECT total_artifacts FROM api.stats_summary()), 2::bigint, 'stats_summary counts artifacts');
SELECT is((SELECT total_artifact_bytes FROM api.stats_summary()), 5368709220::numeric, 'stats_summary sums artifact bytes');
SELECT is((SELECT total_tags FROM api.stats_summary()), 4::bigint, 'stats_summary counts tags (per tool)');
SELECT is((SELECT nodes_by_status FROM api.stats_summary()),
    '{"ACTIVE": 1, "INACTIVE": 0, "MAINTENANCE": 2, "ERROR": 0}'::jsonb, 'nodes_by_status: every status, zeros included');
SELECT is((SELECT tools_by_status FROM api.stats_summary()),
    '{"ACTIVE": 1, "INACTIVE": 0, "DEPRECATED": 2}'::jsonb, 'tools_by_status: every status, zeros included');

SELECT throws_ok($$ SELECT api.tool_delete(tool_id => (SELECT tool_id FROM tool)) $$, '23503', NULL, 'a tool with artifacts is not deleted');
RESET ROLE;
SELECT lives_ok($$ DELETE FROM orchestrator.tools WHERE tool_id = (SELECT tool_id FROM tool) $$, 'a DBA deletes it in psql');
SET LOCAL ROLE aio_api;
SELECT is((SELECT ROW(total_tools, total_tags, total_artifacts)::text FROM api.stats_summary()), ROW(2, 2, 2)::text,
    'stats_summary follows a delete: the tool and its tags go, its artifact stays');

-- above the threshold the bytes are estimated from a page sample, the same pages every call
RESET ROLE;
INSERT INTO orchestrator.artifacts (name, uri, size_bytes)
SELECT 'sampled-' || i, 's3://tap/sampled/' || i, 1000 + i % 100 FROM generate_series(1, 50000) i;
ANALYZE orchestrator.artifacts;
UPDATE orchestrator.settings SET value = '1' WHERE name = 'stats_exact_below_rows';
CREATE TEMP TABLE sampled AS SELECT total_artifact_bytes, estimated FROM api.stats_summary();
SELECT ok((SELECT 'total_artifact_bytes' = ANY(estimated) FROM sampled), 'above the threshold the artifact bytes are estimated');
SELECT ok((SELECT total_artifact_bytes / c.reltuples BETWEEN 1000 AND 1099 FROM sampled,
                  pg_class c WHERE c.oid = 'orchestrator.artifacts'::regclass),
    'the estimate is the sampled mean size (1,000 to 1,099 bytes here) times the estimated rows');
SELECT is((SELECT total_artifact_bytes FROM api.stats_summary()), (SELECT total_artifact_bytes FROM sampled),
    'the same pages every call: the same estimate');

-- the BI role may not call the api
SET LOCAL ROLE aio_bi;
SELECT throws_ok($$ SELECT api.stats_summary() $$, '42501', NULL, 'the BI role may not execute stats_summary: 42501');
SELECT throws_ok($$ SELECT api.health() $$, '42501', NULL, 'the BI role may not execute health: 42501');

RESET ROLE;
SELECT * FROM finish();
ROLLBACK;
