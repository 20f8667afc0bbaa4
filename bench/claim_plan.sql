-- Claims with 1,000,000 finished invocations in the table: the plans of a claim's statements (its
-- sweep's among them), and the time of a claim + complete in the server (each in its own
-- transaction, as requests are), before and after the load. The rows it made are deleted at the
-- end (and the table vacuumed): run it on a database you may load for a minute or two.
--
--     psql "$(scripts/dev.sh url)" -X -f bench/claim_plan.sql
--
-- What to look for: the claim reads invocations_claim_node_idx and invocations_claim_any_idx (the
-- partial indexes of QUEUED and RETRY_WAIT rows, targeted at a node and not) and a handful of
-- buffers, none of the 200 rows waiting for another node, and a claim takes as long with a million
-- finished rows as with none: finished rows are not in the partial indexes the claim and the sweep
-- read.
\set ON_ERROR_STOP 1
\pset pager off

CREATE TEMP TABLE bench_ids AS
SELECT (api.node_create(node_type => 'BENCH_EXECUTOR', address => 'http://10.99.0.1:8080', name => 'claim-plan-' || pg_catalog.gen_random_uuid())).node_id,
       NULL::uuid AS tool_id;
UPDATE bench_ids SET tool_id = (api.tool_create(name => 'claim-plan-' || substr(md5(random()::text), 1, 8), version => '1.0.0',
                                                category => 'BENCH', target_node_id => node_id)).tool_id;

-- n claim + complete cycles of a 1-row queue, timed in the server (no network, no gateway); each
-- submit, claim and complete commits, as a request does.
CREATE TEMP TABLE bench_times (what text, seconds double precision);
CREATE PROCEDURE pg_temp.cycle(n integer)
LANGUAGE plpgsql AS $$
DECLARE
    node uuid := (SELECT b.node_id FROM bench_ids b);
    tool uuid := (SELECT b.tool_id FROM bench_ids b);
    c record;
    t0 timestamptz;
BEGIN
    DELETE FROM bench_times;
    FOR k IN 1..n LOOP
        PERFORM api.invocation_submit(tool_id => tool, input => '{}');
        COMMIT;
        t0 := clock_timestamp();
        SELECT * INTO c FROM api.node_claim(node_id => node);
        COMMIT;
        INSERT INTO bench_times VALUES ('claim', extract(epoch FROM clock_timestamp() - t0));
        t0 := clock_timestamp();
        PERFORM api.invocation_complete(invocation_id => c.invocation_id, lease_token => c.lease_token, output => '{}');
        COMMIT;
        INSERT INTO bench_times VALUES ('complete', extract(epoch FROM clock_timestamp() - t0));
    END LOOP;
END $$;

\echo '== claim + complete, table nearly empty'
CALL pg_temp.cycle(500);
SELECT what, count(*) AS n, round((1000 * avg(seconds))::numeric, 3) AS mean_ms,
       round((1000 * percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds))::numeric, 3) AS p50_ms,
       round((1000 * percentile_cont(0.95) WITHIN GROUP (ORDER BY seconds))::numeric, 3) AS p95_ms
FROM bench_times GROUP BY what ORDER BY what;

\echo '== loading 1,000,000 finished invocations (triggers off, as a bulk load)'
SET session_replication_role = replica;
INSERT INTO orchestrator.invocations (tool_id, target_node_id, input, submitter, state, attempt, node_id, output,
                                      created_at, started_at, finished_at, run_after)
SELECT b.tool_id, b.node_id, '{}', 'bench', (ARRAY['SUCCEEDED', 'FAILED', 'DEAD', 'CANCELLED', 'TIMED_OUT'])[1 + i % 5], 1, b.node_id, '{}',
       now() - make_interval(secs => i), now() - make_interval(secs => i), now() - make_interval(secs => i) + interval '1 second',
       now() - make_interval(secs => i)
FROM bench_ids b, generate_series(1, 1000000) i;
SET session_replication_role = origin;
-- and a small queue of 200 waiting invocations (for another node: they stay in the queue)
INSERT INTO orchestrator.invocations (tool_id, input, submitter, target_node_id)
SELECT b.tool_id, '{}', 'bench', (api.node_create(node_type => 'BENCH_EXECUTOR', address => 'http://10.99.0.2:8080')).node_id
FROM bench_ids b, generate_series(1, 200);
ANALYZE orchestrator.invocations;
SELECT count(*) AS invocations, count(*) FILTER (WHERE state IN ('QUEUED', 'RETRY_WAIT')) AS waiting,
       pg_size_pretty(pg_relation_size('orchestrator.invocations')) AS heap,
       pg_size_pretty(pg_relation_size('orchestrator.invocations_claim_node_idx')
                      + pg_relation_size('orchestrator.invocations_claim_any_idx')) AS claim_indexes
FROM orchestrator.invocations;

\echo '== the plans of one claim, as api.node_claim runs them (auto_explain of each of its statements), with one waiting row of ours'
\echo '   the claim sweeps first (expired leases, timeouts), as a session''s first claim in a second does'
SELECT (api.invocation_submit(tool_id => (SELECT tool_id FROM bench_ids), input => '{}')).state AS submitted;
SELECT set_config('aio.claim_swept_at', '', false) AS sweep_again;
LOAD 'auto_explain';
BEGIN;
SET LOCAL auto_explain.log_min_duration = 0;
SET LOCAL auto_explain.log_nested_statements = on;
SET LOCAL auto_explain.log_analyze = on;
SET LOCAL auto_explain.log_buffers = on;
SET LOCAL auto_explain.log_timing = off;
SET LOCAL client_min_messages = log;
SELECT invocation_id FROM api.node_claim(node_id => (SELECT node_id FROM bench_ids));
ROLLBACK;

\echo '== claim + complete, 1,000,000 finished invocations and 200 waiting for another node'
CALL pg_temp.cycle(500);
SELECT what, count(*) AS n, round((1000 * avg(seconds))::numeric, 3) AS mean_ms,
       round((1000 * percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds))::numeric, 3) AS p50_ms,
       round((1000 * percentile_cont(0.95) WITHIN GROUP (ORDER BY seconds))::numeric, 3) AS p95_ms
FROM bench_times GROUP BY what ORDER BY what;

\echo '== cleaning up: the rows made here are deleted'
-- the claimed ones (with attempts) as any delete; the bulk-loaded ones (no attempt, no input, no
-- artifact refers to them) without the per-row foreign key triggers
DELETE FROM orchestrator.invocations i USING bench_ids b WHERE i.tool_id = b.tool_id AND i.submitter <> 'bench';
SET session_replication_role = replica;
DELETE FROM orchestrator.invocations i USING bench_ids b WHERE i.tool_id = b.tool_id AND i.submitter = 'bench';
SET session_replication_role = origin;
SELECT api.tool_delete(tool_id => b.tool_id) FROM bench_ids b;
DELETE FROM orchestrator.nodes WHERE node_type = 'BENCH_EXECUTOR';
VACUUM ANALYZE orchestrator.invocations;
