-- pgTAP: api/db_monitoring
BEGIN;
SELECT plan(71);

-- signatures, volatility, security ----------------------------------------------------
SELECT has_function('api', 'monitoring_db_table_sizes', ARRAY[]::text[]);
SELECT has_function('api', 'monitoring_db_index_usage', ARRAY['boolean']);
SELECT has_function('api', 'monitoring_db_cache_hit_ratio', ARRAY[]::text[]);
SELECT has_function('api', 'monitoring_db_long_running_queries', ARRAY['integer']);
SELECT has_function('api', 'monitoring_db_lock_waits', ARRAY[]::text[]);
SELECT has_function('api', 'monitoring_db_vacuum_status', ARRAY[]::text[]);
SELECT has_function('api', 'monitoring_db_slow_statements', ARRAY['integer']);
SELECT function_returns('api', 'monitoring_db_table_sizes', ARRAY[]::text[], 'setof record');
SELECT is(pg_get_function_arguments('api.monitoring_db_index_usage(boolean)'::regprocedure),
    'unused_only boolean DEFAULT false', 'index_usage: unused_only defaults to false');
SELECT is(pg_get_function_arguments('api.monitoring_db_long_running_queries(integer)'::regprocedure),
    'min_duration_seconds integer DEFAULT 5', 'long_running_queries: min_duration_seconds defaults to 5');
SELECT is(pg_get_function_arguments('api.monitoring_db_slow_statements(integer)'::regprocedure),
    '"limit" integer DEFAULT 20', 'slow_statements: limit defaults to 20');
SELECT volatility_is('api', 'monitoring_db_table_sizes', ARRAY[]::text[], 'stable');
SELECT volatility_is('api', 'monitoring_db_index_usage', ARRAY['boolean'], 'stable');
SELECT volatility_is('api', 'monitoring_db_cache_hit_ratio', ARRAY[]::text[], 'stable');
SELECT volatility_is('api', 'monitoring_db_long_running_queries', ARRAY['integer'], 'stable');
SELECT volatility_is('api', 'monitoring_db_lock_waits', ARRAY[]::text[], 'stable');
SELECT volatility_is('api', 'monitoring_db_vacuum_status', ARRAY[]::text[], 'stable');
SELECT volatility_is('api', 'monitoring_db_slow_statements', ARRAY['integer'], 'stable');
SELECT is_definer('api', 'monitoring_db_table_sizes', ARRAY[]::text[]);
SELECT is_definer('api', 'monitoring_db_index_usage', ARRAY['boolean']);
SELECT is_definer('api', 'monitoring_db_cache_hit_ratio', ARRAY[]::text[]);
SELECT is_definer('api', 'monitoring_db_long_running_queries', ARRAY['integer']);
SELECT is_definer('api', 'monitoring_db_lock_waits', ARRAY[]::text[]);
SELECT is_definer('api', 'monitoring_db_vacuum_status', ARRAY[]::text[]);
SELECT is_definer('api', 'monitoring_db_slow_statements', ARRAY['integer']);

-- the owner reads statistics through pg_monitor, without being superuser ---------------
SELECT ok(pg_has_role('aio_owner', 'pg_monitor', 'USAGE'), 'aio_owner has the privileges of pg_monitor');
SELECT ok(NOT (SELECT rolsuper FROM pg_roles WHERE rolname = 'aio_owner'), 'aio_owner is not superuser');
SELECT ok(NOT pg_has_role('aio_api', 'pg_monitor', 'USAGE'), 'aio_api has no pg_monitor of its own');

-- privileges: the API role may execute, the BI role may not ----------------------------
SELECT function_privs_are('api', 'monitoring_db_table_sizes', ARRAY[]::text[], 'aio_api', ARRAY['EXECUTE']);
SELECT function_privs_are('api', 'monitoring_db_index_usage', ARRAY['boolean'], 'aio_api', ARRAY['EXECUTE']);
SELECT function_privs_are('api', 'monitoring_db_cache_hit_ratio', ARRAY[]::text[], 'aio_api', ARRAY['EXECUTE']);
SELECT function_privs_are('api', 'monitoring_db_long_running_queries', ARRAY['integer'], 'aio_api', ARRAY['EXECUTE']);
SELECT function_privs_are('api', 'monitoring_db_lock_waits', ARRAY[]::text[], 'aio_api', ARRAY['EXECUTE']);
SELECT function_privs_are('api', 'monitoring_db_vacuum_status', ARRAY[]::text[], 'aio_api', ARRAY['EXECUTE']);
SELECT function_privs_are('api', 'monitoring_db_slow_statements', ARRAY['integer'], 'aio_api', ARRAY['EXECUTE']);
SELECT function_privs_are('api', 'monitoring_db_table_sizes', ARRAY[]::text[], 'aio_bi', ARRAY[]::text[]);
SELECT function_privs_are('api', 'monitoring_db_long_running_queries', ARRAY['integer'], 'aio_bi', ARRAY[]::text[]);
SELECT function_privs_are('api', 'monitoring_db_lock_waits', ARRAY[]::text[], 'aio_bi', ARRAY[]::text[]);
SELECT function_privs_are('api', 'monitoring_db_slow_statements', ARRAY['integer'], 'aio_bi', ARRAY[]::text[]);

-- arrange, as the deploying superuser: a fresh unused index, a fresh unique one, per-table
-- autovacuum settings, and no pg_stat_statements (all rolled back at the end)
CREATE INDEX tap_unused_idx ON orchestrator.nodes (address);
CREATE UNIQUE INDEX tap_unique_idx ON orchestrator.nodes (node_id, address);
ALTER TABLE orchestrator.tool_tags SET (autovacuum_enabled = false, autovacuum_vacuum_threshold = 7,
                                        autovacuum_vacuum_scale_factor = 0);
SET LOCAL client_min_messages = warning;
DROP EXTENSION IF EXISTS pg_stat_statements;
RESET client_min_messages;

-- behaviour, as the API role ------------------------------------------------------------
SET LOCAL ROLE aio_api;

-- table sizes
SELECT set_eq($$ SELECT table_name FROM api.monitoring_db_table_sizes() $$,
              $$ SELECT tablename::text FROM pg_tables WHERE schemaname = 'orchestrator' $$,
    'table_sizes lists every orchestrator table, orchestrator.nodes among them');
SELECT ok((SELECT total_bytes > 0 FROM api.monitoring_db_table_sizes() WHERE table_name = 'nodes'), 'nodes takes some bytes');
SELECT is_empty($$ SELECT * FROM api.monitoring_db_table_sizes() WHERE total_bytes <> table_bytes + index_bytes + toast_bytes
                   OR total_pretty <> pg_size_pretty(total_bytes) $$,
    'total_bytes is table + index + toast bytes, and total_pretty says it');

-- index usage
SELECT ok((SELECT is_primary AND NOT unused FROM api.monitoring_db_index_usage() WHERE index_name = 'nodes_pkey'),
    'index_usage lists nodes_pkey, a primary key and never unused');
SELECT is((SELECT ARRAY[scans, tuples_read, tuples_fetched] FROM api.monitoring_db_index_usage() WHERE index_name = 'tap_unused_idx'),
    ARRAY[0, 0, 0]::bigint[], 'a fresh index: no scans, no tuples read or fetched');
SELECT ok((SELECT unused FROM api.monitoring_db_index_usage() WHERE index_name = 'tap_unused_idx'), 'a fresh plain index is unused');
SELECT ok((SELECT NOT unused AND is_unique FROM api.monitoring_db_index_usage() WHERE index_name = 'tap_unique_idx'),
    'a fresh unique index is not called unused: it enforces something');
SELECT is((SELECT definition FROM api.monitoring_db_index_usage() WHERE index_name = 'tap_unused_idx'),
    'CREATE INDEX tap_unused_idx ON orchestrator.nodes USING btree (address)', 'definition is the CREATE INDEX');
SELECT ok((SELECT bool_and(unused) AND bool_or(index_name = 'tap_unused_idx') AND NOT bool_or(index_name = 'nodes_pkey')
           FROM api.monitoring_db_index_usage(unused_only => true)),
    'unused_only => true lists only unused indexes');

-- cache hit ratio
SELECT is((SELECT name FROM api.monitoring_db_cache_hit_ratio() WHERE scope = 'database'), current_database()::text,
    'cache_hit_ratio has one database-wide row');
SELECT ok((SELECT hit_ratio BETWEEN 0 AND 1 AND heap_hit_ratio BETWEEN 0 AND 1 AND blks_hit > 0
           FROM api.monitoring_db_cache_hit_ratio() WHERE scope = 'database'), 'the database ratios are fractions');
SELECT set_eq($$ SELECT name FROM api.monitoring_db_cache_hit_ratio() WHERE scope = 'table' $$,
              $$ SELECT tablename::text FROM pg_tables WHERE schemaname = 'orchestrator' $$,
    'cache_hit_ratio has a row per orchestrator table');
SELECT is_empty($$ SELECT * FROM api.monitoring_db_cache_hit_ratio()
                   WHERE hit_ratio NOT BETWEEN 0 AND 1 OR idx_hit_ratio NOT BETWEEN 0 AND 1
                      OR (blks_hit + blks_read = 0) <> (hit_ratio IS NULL) $$,
    'every ratio is within 0..1, and NULL exactly when there was no access');

-- long-running queries and lock waits
SELECT is_empty($$ SELECT * FROM api.monitoring_db_long_running_queries(min_duration_seconds => 0) WHERE pid = pg_backend_pid() $$,
    'long_running_queries leaves out the caller''s own backend');
SELECT lives_ok($$ SELECT * FROM api.monitoring_db_long_running_queries() $$, 'long_running_queries with the default');
SELECT is_empty($$ SELECT * FROM api.monitoring_db_lock_waits() WHERE blocked_pid = pg_backend_pid() $$,
    'lock_waits: this session waits for no lock');

-- vacuum status
SELECT set_eq($$ SELECT table_name FROM api.monitoring_db_vacuum_status() $$,
              $$ SELECT tablename::text FROM pg_tables WHERE schemaname = 'orchestrator' $$,
    'vacuum_status lists every orchestrator table');
SELECT is((SELECT ARRAY[autovacuum_threshold, CASE WHEN autovacuum_enabled THEN 1 ELSE 0 END]
           FROM api.monitoring_db_vacuum_status() WHERE table_name = 'tool_tags'),
    ARRAY[7.0, 0], 'per-table storage parameters override the autovacuum settings');
SELECT is((SELECT autovacuum_threshold FROM api.monitoring_db_vacuum_status() WHERE table_name = 'nodes'),
    round(current_setting('autovacuum_vacuum_threshold')::numeric
          + current_setting('autovacuum_vacuum_scale_factor')::numeric
            * greatest((SELECT reltuples FROM pg_class WHERE relname = 'nodes' AND relnamespace = 'orchestrator'::regnamespace), 0)::numeric, 1),
    'the threshold is autovacuum_vacuum_threshold + scale_factor * reltuples');
SELECT is_empty($$ SELECT * FROM api.monitoring_db_vacuum_status()
                   WHERE autovacuum_due IS DISTINCT FROM (dead_tuples > autovacuum_threshold)
                      OR dead_ratio NOT BETWEEN 0 AND 1 $$,
    'autovacuum_due is dead_tuples above the threshold; dead_ratio is a fraction');

-- slow statements: not installed
SELECT results_eq($$ SELECT status, queryid, query FROM api.monitoring_db_slow_statements() $$,
                  $$ VALUES ('not_installed'::text, NULL::bigint, NULL::text) $$,
    'without pg_stat_statements: one row saying it is not installed');
SELECT matches((SELECT message FROM api.monitoring_db_slow_statements()),
    'shared_preload_libraries.*CREATE EXTENSION pg_stat_statements', 'the row says how to enable it');

-- slow statements: installed in a schema the owner may not read, then may
RESET ROLE;
CREATE SCHEMA "tap Stats";
CREATE EXTENSION pg_stat_statements WITH SCHEMA "tap Stats";
SET LOCAL ROLE aio_api;
SELECT results_eq($$ SELECT status FROM api.monitoring_db_slow_statements() $$, $$ VALUES ('not_readable'::text) $$,
    'installed where aio_owner has no USAGE: one row saying so');
SELECT matches((SELECT message FROM api.monitoring_db_slow_statements()),
    'GRANT USAGE ON SCHEMA "tap Stats" TO aio_owner', 'the row says which grant is missing');
RESET ROLE;
GRANT USAGE ON SCHEMA "tap Stats" TO aio_owner;
SET LOCAL ROLE aio_api;
SELECT is((SELECT count(*)::int FROM api.monitoring_db_slow_statements("limit" => 3)), 3,
    'installed: "limit" statements of this database');
SELECT ok((SELECT bool_and(status = 'ok' AND message IS NULL AND calls > 0 AND query IS NOT NULL AND queryid IS NOT NULL)
           FROM api.monitoring_db_slow_statements()), 'installed: real statement rows');
SELECT ok((SELECT bool_and(mean_exec_ms >= next_mean) FROM (
               SELECT mean_exec_ms, lead(mean_exec_ms, 1, 0) OVER () AS next_mean
               FROM api.monitoring_db_slow_statements("limit" => 100)) s),
    'slowest mean first');

-- errors, by SQLSTATE -------------------------------------------------------------------
SELECT throws_ok($$ SELECT * FROM api.monitoring_db_long_running_queries(min_duration_seconds => -1) $$,
    '22023', 'min_duration_seconds: must be 0 or more, got -1', 'negative min_duration_seconds: 22023');
SELECT throws_ok($$ SELECT * FROM api.monitoring_db_long_running_queries(min_duration_seconds => NULL) $$,
    '22023', 'min_duration_seconds: must be 0 or more, got null', 'null min_duration_seconds: 22023');
SELECT throws_ok($$ SELECT * FROM api.monitoring_db_slow_statements("limit" => 0) $$,
    '22023', 'limit: must be between 1 and 100, got 0', 'limit 0: 22023');
SELECT throws_ok($$ SELECT * FROM api.monitoring_db_slow_statements("limit" => 101) $$,
    '22023', 'limit: must be between 1 and 100, got 101', 'limit 101: 22023');
SELECT throws_ok($$ SELECT * FROM api.monitoring_db_slow_statements("limit" => NULL) $$,
    '22023', 'limit: must be between 1 and 100, got null', 'null limit: 22023');

RESET ROLE;
SELECT * FROM finish();
ROLLBACK;
