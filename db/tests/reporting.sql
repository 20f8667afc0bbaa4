-- pgTAP: reporting views and the read-only BI role
BEGIN;
SELECT plan(23);

DELETE FROM orchestrator.invocations; DELETE FROM orchestrator.artifacts; DELETE FROM orchestrator.tools; DELETE FROM orchestrator.nodes;

SELECT views_are('reporting', ARRAY['nodes', 'tools', 'tool_tags', 'artifacts', 'node_health', 'storage_by_category', 'tool_usage',
                              'invocations', 'invocation_attempts'],
    'reporting has one view per table plus the operational views');
SELECT materialized_views_are('reporting', ARRAY['artifacts_by_day'], 'daily artifact figures are materialized');

-- data seen through the views
SET LOCAL ROLE aio_api;
CREATE TEMP TABLE n ON COMMIT DROP AS
    SELECT * FROM api.node_create(node_type => 'TOOL_EXECUTOR', address => 'http://r:1', name => 'rep-node', labels => '{"b": "2", "a": "1"}');
CREATE TEMP TABLE t ON COMMIT DROP AS
    SELECT * FROM api.tool_create(name => 'rep-tool', version => '1.10.0', category => 'ANALYSIS',
                                  target_node_id => (SELECT node_id FROM n), tags => '{beta,alpha}');
SELECT api.tool_create(name => 'rep-tool', version => '1.9.0', category => 'ANALYSIS');
SELECT api.artifact_create(name => 'a.bin', uri => 's3://b/a.bin', tool_id => (SELECT tool_id FROM t),
                           node_id => (SELECT node_id FROM n), size_bytes => 2097152);
RESET ROLE;
GRANT SELECT ON n, t TO aio_bi;

SET LOCAL ROLE aio_bi;
SELECT is((SELECT labels FROM reporting.nodes WHERE node_name = 'rep-node'), 'a=1, b=2', 'labels flatten to sorted text');
SELECT is((SELECT tool_count FROM reporting.nodes WHERE node_name = 'rep-node'), 1::bigint, 'tool_count counts targeting tools');
SELECT is((SELECT tags FROM reporting.tools WHERE version = '1.10.0'), 'alpha, beta', 'tags flatten to sorted text');
SELECT is((SELECT target_node_name FROM reporting.tools WHERE version = '1.10.0'), 'rep-node', 'tools show their node');
SELECT ok((SELECT is_latest_version FROM reporting.tools WHERE version = '1.10.0'), '1.10.0 is the latest by semver');
SELECT ok(NOT (SELECT is_latest_version FROM reporting.tools WHERE version = '1.9.0'), '1.9.0 is not');
SELECT is((SELECT count(*)::int FROM reporting.tool_tags WHERE tool_name = 'rep-tool'), 2, 'one row per tag');
SELECT is((SELECT size_mib FROM reporting.artifacts WHERE artifact_name = 'a.bin'), 2.000, 'size in MiB');
SELECT is((SELECT tool_name || ' ' || tool_version || ' ' || node_name FROM reporting.artifacts), 'rep-tool 1.10.0 rep-node',
    'artifacts show tool and node');
SELECT is((SELECT row(category, artifact_count, total_bytes, average_bytes, largest_bytes)::text
           FROM reporting.storage_by_category WHERE category = 'ANALYSIS'),
    '(ANALYSIS,1,2097152,2097152,2097152)', 'storage by category as BI sees it');
RESET ROLE;
SELECT results_eq(
    $$ SELECT category, artifact_count, total_bytes, largest_bytes FROM reporting.storage_by_category ORDER BY category $$,
    $$ SELECT category, artifact_count, total_bytes, largest_bytes FROM api.monitoring_storage_usage_by_category() ORDER BY category $$,
    'the BI view and GET /monitoring/storage-usage-by-category give the same figures, from the same tallies');
SET LOCAL ROLE aio_bi;

-- invocations and attempts as BI sees them: names, timings, error codes; no inputs or outputs
RESET ROLE;
CREATE TEMP TABLE failed ON COMMIT DROP AS SELECT * FROM api.invocation_submit(tool_id => (SELECT tool_id FROM t), input => '{"secret": 1}');
CREATE TEMP TABLE waiting ON COMMIT DROP AS
    SELECT * FROM api.invocation_submit(tool_id => (SELECT tool_id FROM t), not_before => now() + interval '1 hour');
CREATE TEMP TABLE claimed ON COMMIT DROP AS SELECT * FROM api.node_claim(node_id => (SELECT node_id FROM n), agent => 'rep-agent');
CREATE TEMP TABLE ended ON COMMIT DROP AS
    SELECT * FROM api.invocation_fail(invocation_id => (SELECT invocation_id FROM claimed), lease_token => (SELECT lease_token FROM claimed),
                                      error => '{"code": "UPSTREAM", "message": "503 from the model"}', retryable => false);
GRANT SELECT ON failed, waiting TO aio_bi;
SET LOCAL ROLE aio_bi;
SELECT results_eq(
    $$ SELECT tool_name, tool_version, state, attempts, node_name, error_code, wait_seconds, run_seconds
       FROM reporting.invocations WHERE invocation_id = (SELECT invocation_id FROM failed) $$,
    $$ VALUES ('rep-tool', '1.10.0', 'FAILED', 1, 'rep-node', 'UPSTREAM', 0.000::numeric, 0.000::numeric) $$,
    'a failed invocation: its tool, node, error code, wait and run time');
SELECT results_eq(
    $$ SELECT state, started_at, wait_seconds, run_seconds FROM reporting.invocations WHERE invocation_id = (SELECT invocation_id FROM waiting) $$,
    $$ VALUES ('QUEUED', NULL::timestamptz, NULL::numeric, NULL::numeric) $$, 'a waiting invocation: no start, no times yet');
SELECT results_eq(
    $$ SELECT attempt, tool_name, node_name, agent, outcome, error_code, run_seconds FROM reporting.invocation_attempts $$,
    $$ VALUES (1, 'rep-tool', 'rep-node', 'rep-agent', 'FAILED', 'UPSTREAM', 0.000::numeric) $$, 'its attempt: node, agent, outcome');
SELECT is_empty($$ SELECT attname FROM pg_attribute WHERE attrelid IN ('reporting.invocations'::regclass, 'reporting.invocation_attempts'::regclass)
                   AND attname IN ('input', 'output', 'error', 'lease_token') $$,
    'inputs, outputs, whole errors and lease tokens stay out of BI');

-- what the BI role may not do
SELECT throws_ok($$ SELECT * FROM orchestrator.nodes $$, '42501', NULL, 'BI role cannot read the data tables');
SELECT throws_ok($$ SELECT * FROM api.node_list() $$, '42501', NULL, 'BI role cannot call api functions');
SELECT throws_ok($$ SELECT api.node_create(node_type => 'X', address => 'http://x') $$, '42501', NULL, 'BI role cannot write through api');
RESET ROLE;
SELECT is_empty($$
    SELECT c.relname FROM pg_class c WHERE c.relnamespace = 'reporting'::regnamespace
      AND has_table_privilege('aio_bi', c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE')
$$, 'BI role may not write to any reporting view');
SELECT is_empty($$
    SELECT c.relname FROM pg_class c WHERE c.relnamespace = 'reporting'::regnamespace AND c.relkind IN ('v', 'm')
      AND NOT has_table_privilege('aio_bi', c.oid, 'SELECT')
$$, 'BI role may read every reporting view');

SELECT table_privs_are('reporting', 'artifacts', 'aio_bi', ARRAY['SELECT'], 'BI role has only SELECT on reporting views');

SELECT * FROM finish();
ROLLBACK;
