-- Deploy ai-orchestrator:api/db_monitoring
-- requires: api/service
-- Database performance monitoring: GET /monitoring/db/* routes.
-- The functions read pg_catalog statistics as aio_owner, which holds pg_monitor (not superuser);
-- SECURITY DEFINER lets aio_api callers see what the owner sees. pg_stat_statements is optional:
-- it is looked up at call time and queried with dynamic SQL, never created here.
BEGIN;
SET LOCAL ROLE aio_owner;

-- A hit ratio as a fraction 0..1, NULL when nothing was read or hit.
CREATE FUNCTION orchestrator.hit_ratio(hit bigint, read bigint) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN hit + read > 0 THEN pg_catalog.round(hit::numeric / (hit + read), 4) END
$$;
COMMENT ON FUNCTION orchestrator.hit_ratio(bigint, bigint) IS
'Buffer cache hit ratio hit / (hit + read), a fraction 0..1 rounded to 4 places; NULL when both are 0.';

-- Query text shown over HTTP may hold other callers' values (a secret, a person's data): its
-- literals become ?. Dollar quotes first, on their own: a pattern whose first quantifier is lazy
-- matches the shortest text, so one literal never swallows the SQL up to the next. A literal cut
-- off by track_activity_query_size runs to the end of the text, and goes too.
CREATE FUNCTION orchestrator.redact_query(query text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $f$
    SELECT pg_catalog.regexp_replace(
        pg_catalog.regexp_replace(query, '\$(\w*?)\$.*?(?:\$\1\$|$)', '?', 'g'),
        $re$[Ee]'(?:\\.|''|[^'\\])*(?:'|$)|'(?:''|[^'])*(?:'|$)|(?<![\w$.])\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$re$, '?', 'g')
$f$;
COMMENT ON FUNCTION orchestrator.redact_query(text) IS
'Query text with its literals (quoted strings, E'''' and dollar-quoted strings, numbers) replaced by ?; parameters ($1) and identifiers stay.';

-- table sizes ---------------------------------------------------------------------------
CREATE FUNCTION api.monitoring_db_table_sizes()
RETURNS TABLE (
    table_name    text,
    rows_estimate bigint,
    table_bytes   bigint,
    index_bytes   bigint,
    toast_bytes   bigint,
    total_bytes   bigint,
    total_pretty  text
)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' AS $$
    SELECT s.table_name, s.rows_estimate,
           s.table_total - s.toast_bytes, s.index_bytes, s.toast_bytes,
           s.table_total + s.index_bytes, pg_catalog.pg_size_pretty(s.table_total + s.index_bytes)
    FROM (
        SELECT c.relname::text AS table_name,
               CASE WHEN c.reltuples >= 0 THEN c.reltuples::bigint END AS rows_estimate,
               pg_catalog.pg_table_size(c.oid) AS table_total,
               pg_catalog.pg_indexes_size(c.oid) AS index_bytes,
               CASE WHEN c.reltoastrelid <> 0 THEN pg_catalog.pg_total_relation_size(c.reltoastrelid) ELSE 0 END AS toast_bytes
        FROM pg_catalog.pg_class c
        WHERE c.relnamespace = 'orchestrator'::pg_catalog.regnamespace AND c.relkind IN ('r', 'p')
    ) s
    ORDER BY s.table_total + s.index_bytes DESC, s.table_name
$$;
COMMENT ON FUNCTION api.monitoring_db_table_sizes() IS
'Disk use of every table in the orchestrator schema, largest first.
rows_estimate is an estimate (pg_class.reltuples, as of the last VACUUM or ANALYZE), NULL when the table was never analyzed; count(*) gives the exact number.
table_bytes: heap with its free space and visibility maps; toast_bytes: the TOAST table and its index; index_bytes: all indexes; total_bytes = table_bytes + toast_bytes + index_bytes.
Example: SELECT table_name, total_pretty, rows_estimate FROM api.monitoring_db_table_sizes();
Errors: none.
Route: GET /monitoring/db/table-sizes';

-- index usage ---------------------------------------------------------------------------
CREATE FUNCTION api.monitoring_db_index_usage(unused_only boolean DEFAULT false)
RETURNS TABLE (
    table_name     text,
    index_name     text,
    scans          bigint,
    tuples_read    bigint,
    tuples_fetched bigint,
    index_bytes    bigint,
    index_pretty   text,
    is_primary     boolean,
    is_unique      boolean,
    unused         boolean,
    definition     text
)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' AS $$
    SELECT u.table_name, u.index_name, u.scans, u.tuples_read, u.tuples_fetched,
           u.index_bytes, pg_catalog.pg_size_pretty(u.index_bytes), u.is_primary, u.is_unique, u.unused, u.definition
    FROM (
        SELECT t.relname::text AS table_name, c.relname::text AS index_name,
               coalesce(s.idx_scan, 0) AS scans, coalesce(s.idx_tup_read, 0) AS tuples_read,
               coalesce(s.idx_tup_fetch, 0) AS tuples_fetched,
               pg_catalog.pg_relation_size(c.oid) AS index_bytes,
               i.indisprimary AS is_primary, i.indisunique AS is_unique,
               coalesce(s.idx_scan, 0) = 0 AND NOT i.indisprimary AND NOT i.indisunique
                   AND NOT EXISTS (SELECT FROM pg_catalog.pg_constraint k
                                   WHERE k.conindid = c.oid AND k.contype = 'x') AS unused,
               pg_catalog.pg_get_indexdef(c.oid) AS definition
        FROM pg_catalog.pg_index i
        JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid
        JOIN pg_catalog.pg_class t ON t.oid = i.indrelid
        LEFT JOIN pg_catalog.pg_stat_all_indexes s ON s.indexrelid = i.indexrelid
        WHERE t.relnamespace = 'orchestrator'::pg_catalog.regnamespace
    ) u
    WHERE NOT coalesce(monitoring_db_index_usage.unused_only, false) OR u.unused
    ORDER BY u.table_name, u.index_name
$$;
COMMENT ON FUNCTION api.monitoring_db_index_usage(boolean) IS
'How often each index of the orchestrator schema has been used since the statistics were last reset, with its size and definition.
unused is true for an index never scanned that enforces nothing (not a primary key, unique or exclusion constraint): a candidate to drop, once the statistics cover a representative period (and every replica agrees).
unused_only => true lists only those.
Example: SELECT table_name, index_name, index_pretty FROM api.monitoring_db_index_usage(unused_only => true);
Errors: none.
Route: GET /monitoring/db/index-usage';

-- cache hit ratio -----------------------------------------------------------------------
CREATE FUNCTION api.monitoring_db_cache_hit_ratio()
RETURNS TABLE (
    scope          text,
    name           text,
    blks_hit       bigint,
    blks_read      bigint,
    hit_ratio      numeric,
    heap_blks_hit  bigint,
    heap_blks_read bigint,
    heap_hit_ratio numeric,
    idx_blks_hit   bigint,
    idx_blks_read  bigint,
    idx_hit_ratio  numeric
)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' AS $$
    WITH db AS (
        SELECT 'database'::text AS scope, d.datname::text AS name, d.blks_hit, d.blks_read,
               t.heap_blks_hit, t.heap_blks_read, t.idx_blks_hit, t.idx_blks_read, 0 AS ord
        FROM pg_catalog.pg_stat_database d,
        LATERAL (
            -- Shared catalogs count the blocks of every database: leave them out.
            SELECT coalesce(pg_catalog.sum(a.heap_blks_hit), 0)::bigint AS heap_blks_hit,
                   coalesce(pg_catalog.sum(a.heap_blks_read), 0)::bigint AS heap_blks_read,
                   coalesce(pg_catalog.sum(a.idx_blks_hit), 0)::bigint AS idx_blks_hit,
                   coalesce(pg_catalog.sum(a.idx_blks_read), 0)::bigint AS idx_blks_read
            FROM pg_catalog.pg_statio_all_tables a
            JOIN pg_catalog.pg_class c ON c.oid = a.relid
            WHERE NOT c.relisshared
        ) t
        WHERE d.datname = pg_catalog.current_database()
    ), tables AS (
        SELECT 'table'::text, c.relname::text,
               coalesce(s.heap_blks_hit, 0) + coalesce(s.idx_blks_hit, 0) + coalesce(s.toast_blks_hit, 0) + coalesce(s.tidx_blks_hit, 0),
               coalesce(s.heap_blks_read, 0) + coalesce(s.idx_blks_read, 0) + coalesce(s.toast_blks_read, 0) + coalesce(s.tidx_blks_read, 0),
               coalesce(s.heap_blks_hit, 0), coalesce(s.heap_blks_read, 0),
               coalesce(s.idx_blks_hit, 0), coalesce(s.idx_blks_read, 0),
               1
        FROM pg_catalog.pg_class c
        LEFT JOIN pg_catalog.pg_statio_all_tables s ON s.relid = c.oid
        WHERE c.relnamespace = 'orchestrator'::pg_catalog.regnamespace AND c.relkind IN ('r', 'p')
    )
    SELECT x.scope, x.name,
           x.blks_hit, x.blks_read, orchestrator.hit_ratio(x.blks_hit, x.blks_read),
           x.heap_blks_hit, x.heap_blks_read, orchestrator.hit_ratio(x.heap_blks_hit, x.heap_blks_read),
           x.idx_blks_hit, x.idx_blks_read, orchestrator.hit_ratio(x.idx_blks_hit, x.idx_blks_read)
    FROM (SELECT * FROM db UNION ALL SELECT * FROM tables) x
    ORDER BY x.ord, x.name
$$;

COMMENT ON FUNCTION api.monitoring_db_cache_hit_ratio() IS
'Buffer cache hit ratios (fractions 0..1, NULL before any access) since the statistics were last reset: first the whole database (scope database: every block from pg_stat_database, heap and index blocks of all its tables, its own catalogs included), then each table of the orchestrator schema (scope table: heap, index and, in blks_*, TOAST blocks).
A busy OLTP database usually stays above 0.99; a lower ratio suggests shared_buffers is small for the working set. Reads served by the OS page cache count as reads here.
Example: SELECT scope, name, hit_ratio, heap_hit_ratio, idx_hit_ratio FROM api.monitoring_db_cache_hit_ratio();
Errors: none.
Route: GET /monitoring/db/cache-hit-ratio';

-- long-running queries ------------------------------------------------------------------
CREATE FUNCTION api.monitoring_db_long_running_queries(min_duration_seconds integer DEFAULT 5)
RETURNS TABLE (
    pid              integer,
    usename          text,
    application_name text,
    backend_type     text,
    state            text,
    wait_event_type  text,
    wait_event       text,
    duration_seconds numeric,
    query_start      timestamptz,
    xact_start       timestamptz,
    query            text
)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
#variable_conflict use_column
BEGIN
    IF min_duration_seconds IS NULL OR min_duration_seconds < 0 THEN
        RAISE EXCEPTION 'min_duration_seconds: must be 0 or more, got %', coalesce(min_duration_seconds::text, 'null')
            USING ERRCODE = 'invalid_parameter_value', COLUMN = 'min_duration_seconds',
                  HINT = 'Pass a number of seconds, e.g. min_duration_seconds => 5; 0 lists every statement in progress.';
    END IF;
    RETURN QUERY
    SELECT a.pid, a.usename::text, a.application_name, a.backend_type, a.state, a.wait_event_type, a.wait_event,
           pg_catalog.round(EXTRACT(epoch FROM pg_catalog.clock_timestamp() - a.query_start)::numeric, 3),
           a.query_start, a.xact_start, pg_catalog.left(orchestrator.redact_query(a.query), 1000)
    FROM pg_catalog.pg_stat_activity a
    WHERE a.datname = pg_catalog.current_database()
      AND a.pid <> pg_catalog.pg_backend_pid()
      AND a.leader_pid IS DISTINCT FROM pg_catalog.pg_backend_pid()
      AND a.state IS NOT NULL AND a.state <> 'idle'
      AND a.query_start <= pg_catalog.clock_timestamp() - pg_catalog.make_interval(secs => min_duration_seconds)
    ORDER BY a.query_start, a.pid;
END
$$;
COMMENT ON FUNCTION api.monitoring_db_long_running_queries(integer) IS
'Statements of this database running (or sessions idle in a transaction) for at least min_duration_seconds, longest first; the caller''s own session is left out.
duration_seconds counts from query_start, the start of the current (or, when idle in transaction, the last) statement; xact_start shows how long its transaction has been open. query has its literals replaced by ? (orchestrator.redact_query) and is cut at 1000 characters.
To stop one: SELECT pg_cancel_backend(pid) (the statement) or pg_terminate_backend(pid) (the session), as a role allowed to.
Example: SELECT pid, state, duration_seconds, query FROM api.monitoring_db_long_running_queries(min_duration_seconds => 30);
Errors: 22023 min_duration_seconds is negative or null.
Route: GET /monitoring/db/long-running-queries';

-- lock waits ----------------------------------------------------------------------------
CREATE FUNCTION api.monitoring_db_lock_waits()
RETURNS TABLE (
    blocked_pid              integer,
    blocked_usename          text,
    blocked_application_name text,
    blocked_query            text,
    wait_seconds             numeric,
    locktype                 text,
    mode                     text,
    relation                 text,
    blocking_pids            integer[],
    blocking_pid             integer,
    blocking_usename         text,
    blocking_state           text,
    blocking_query           text
)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' AS $$
    SELECT w.pid, a.usename::text, a.application_name, pg_catalog.left(orchestrator.redact_query(a.query), 1000),
           pg_catalog.round(EXTRACT(epoch FROM pg_catalog.clock_timestamp() - coalesce(w.waitstart, a.query_start))::numeric, 3),
           w.locktype, w.mode, w.relation::pg_catalog.regclass::text,
           w.blocking_pids, w.blocking_pids[1], b.usename::text, b.state, pg_catalog.left(orchestrator.redact_query(b.query), 1000)
    FROM (
        SELECT DISTINCT ON (l.pid) l.pid, l.locktype, l.mode, l.relation, l.waitstart,
               pg_catalog.pg_blocking_pids(l.pid) AS blocking_pids
        FROM pg_catalog.pg_locks l
        WHERE NOT l.granted AND l.pid IS NOT NULL
        ORDER BY l.pid, l.waitstart
    ) w
    JOIN pg_catalog.pg_stat_activity a ON a.pid = w.pid
    LEFT JOIN pg_catalog.pg_stat_activity b ON b.pid = w.blocking_pids[1]
    WHERE a.datname = pg_catalog.current_database()
      AND pg_catalog.cardinality(w.blocking_pids) > 0
    ORDER BY coalesce(w.waitstart, a.query_start), w.pid
$$;
COMMENT ON FUNCTION api.monitoring_db_lock_waits() IS
'Sessions of this database waiting for a lock, longest wait first, with who blocks them.
blocking_pids lists every session in the way (pg_blocking_pids); blocking_pid, blocking_usename, blocking_state and blocking_query describe the first of them. A blocker idle in transaction usually means an application that forgot to commit.
locktype and mode are those of the awaited lock (pg_locks), relation its table or index when it is one. Queries have their literals replaced by ? and are cut at 1000 characters.
Example: SELECT blocked_pid, wait_seconds, mode, relation, blocking_pids, blocking_query FROM api.monitoring_db_lock_waits();
Errors: none.
Route: GET /monitoring/db/lock-waits';

-- vacuum status -------------------------------------------------------------------------
CREATE FUNCTION api.monitoring_db_vacuum_status()
RETURNS TABLE (
    table_name           text,
    live_tuples          bigint,
    dead_tuples          bigint,
    dead_ratio           numeric,
    last_vacuum          timestamptz,
    last_autovacuum      timestamptz,
    last_analyze         timestamptz,
    last_autoanalyze     timestamptz,
    vacuum_count         bigint,
    autovacuum_count     bigint,
    analyze_count        bigint,
    autoanalyze_count    bigint,
    autovacuum_enabled   boolean,
    autovacuum_threshold numeric,
    autovacuum_due       boolean
)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' AS $$
    SELECT v.table_name, v.live_tuples, v.dead_tuples,
           CASE WHEN v.live_tuples + v.dead_tuples > 0
                THEN pg_catalog.round(v.dead_tuples::numeric / (v.live_tuples + v.dead_tuples), 4) END,
           v.last_vacuum, v.last_autovacuum, v.last_analyze, v.last_autoanalyze,
           v.vacuum_count, v.autovacuum_count, v.analyze_count, v.autoanalyze_count,
           v.autovacuum_enabled, v.threshold, v.dead_tuples > v.threshold
    FROM (
        SELECT c.relname::text AS table_name,
               coalesce(s.n_live_tup, 0) AS live_tuples, coalesce(s.n_dead_tup, 0) AS dead_tuples,
               s.last_vacuum, s.last_autovacuum, s.last_analyze, s.last_autoanalyze,
               coalesce(s.vacuum_count, 0) AS vacuum_count, coalesce(s.autovacuum_count, 0) AS autovacuum_count,
               coalesce(s.analyze_count, 0) AS analyze_count, coalesce(s.autoanalyze_count, 0) AS autoanalyze_count,
               pg_catalog.current_setting('autovacuum')::boolean
                   AND coalesce(o.enabled, true) AS autovacuum_enabled,
               pg_catalog.round(
                   coalesce(o.threshold, pg_catalog.current_setting('autovacuum_vacuum_threshold')::numeric)
                   + coalesce(o.scale_factor, pg_catalog.current_setting('autovacuum_vacuum_scale_factor')::numeric)
                     * greatest(c.reltuples, 0)::numeric, 1) AS threshold
        FROM pg_catalog.pg_class c
        LEFT JOIN pg_catalog.pg_stat_all_tables s ON s.relid = c.oid
        LEFT JOIN LATERAL (
            SELECT pg_catalog.max(r.option_value) FILTER (WHERE r.option_name = 'autovacuum_enabled')::boolean AS enabled,
                   pg_catalog.max(r.option_value) FILTER (WHERE r.option_name = 'autovacuum_vacuum_threshold')::numeric AS threshold,
                   pg_catalog.max(r.option_value) FILTER (WHERE r.option_name = 'autovacuum_vacuum_scale_factor')::numeric AS scale_factor
            FROM pg_catalog.pg_options_to_table(c.reloptions) r
        ) o ON true
        WHERE c.relnamespace = 'orchestrator'::pg_catalog.regnamespace AND c.relkind = 'r'
    ) v
    ORDER BY v.table_name
$$;
COMMENT ON FUNCTION api.monitoring_db_vacuum_status() IS
'Vacuum and analyze health of every table of the orchestrator schema: live and dead tuples, dead_ratio (dead / (live + dead)), when and how often it was (auto)vacuumed and (auto)analyzed.
autovacuum_threshold is autovacuum_vacuum_threshold + autovacuum_vacuum_scale_factor * reltuples, per-table storage parameters overriding the server settings; autovacuum_due is true when dead_tuples exceeds it, so autovacuum will (or should already) vacuum the table. autovacuum_enabled is false when autovacuum is off for the server or the table. Inserts alone may also trigger autovacuum (autovacuum_vacuum_insert_threshold); that is not counted here.
Example: SELECT table_name, dead_tuples, dead_ratio, last_autovacuum, autovacuum_due FROM api.monitoring_db_vacuum_status();
Errors: none.
Route: GET /monitoring/db/vacuum-status';

-- slow statements (pg_stat_statements, when installed) ----------------------------------
CREATE FUNCTION api.monitoring_db_slow_statements("limit" integer DEFAULT 20)
RETURNS TABLE (
    status          text,
    message         text,
    queryid         bigint,
    usename         text,
    calls           bigint,
    total_exec_ms   numeric,
    mean_exec_ms    numeric,
    min_exec_ms     numeric,
    max_exec_ms     numeric,
    stddev_exec_ms  numeric,
    rows            bigint,
    shared_blks_hit bigint,
    shared_blks_read bigint,
    cache_hit_ratio numeric,
    query           text
)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
#variable_conflict use_column
DECLARE
    ext_schema text;
    view_name  text;
    enable     constant text := 'Add pg_stat_statements to shared_preload_libraries in postgresql.conf, restart PostgreSQL, then run CREATE EXTENSION pg_stat_statements in this database.';
BEGIN
    IF "limit" IS NULL OR "limit" < 1 OR "limit" > 100 THEN
        RAISE EXCEPTION 'limit: must be between 1 and 100, got %', coalesce("limit"::text, 'null')
            USING ERRCODE = 'invalid_parameter_value', COLUMN = 'limit';
    END IF;

    SELECT n.nspname INTO ext_schema
    FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
    WHERE e.extname = 'pg_stat_statements';
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'not_installed'::text,
            'pg_stat_statements is not installed in this database. ' || enable,
            NULL::bigint, NULL::text, NULL::bigint, NULL::numeric, NULL::numeric, NULL::numeric, NULL::numeric,
            NULL::numeric, NULL::bigint, NULL::bigint, NULL::bigint, NULL::numeric, NULL::text;
        RETURN;
    END IF;

    view_name := pg_catalog.format('%I.pg_stat_statements', ext_schema);
    IF NOT pg_catalog.has_schema_privilege(ext_schema, 'USAGE')
       OR NOT pg_catalog.has_table_privilege(view_name, 'SELECT') THEN
        RETURN QUERY SELECT 'not_readable'::text,
            pg_catalog.format('pg_stat_statements is installed in schema %s but aio_owner may not read it. Run GRANT USAGE ON SCHEMA %I TO aio_owner; GRANT SELECT ON %s TO aio_owner;',
                              ext_schema, ext_schema, view_name),
            NULL::bigint, NULL::text, NULL::bigint, NULL::numeric, NULL::numeric, NULL::numeric, NULL::numeric,
            NULL::numeric, NULL::bigint, NULL::bigint, NULL::bigint, NULL::numeric, NULL::text;
        RETURN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_attribute a
                   WHERE a.attrelid = view_name::pg_catalog.regclass AND a.attname = 'mean_exec_time' AND NOT a.attisdropped) THEN
        RETURN QUERY SELECT 'outdated'::text,
            'pg_stat_statements is installed at a version older than 1.8, which this function does not read. Run ALTER EXTENSION pg_stat_statements UPDATE in this database.',
            NULL::bigint, NULL::text, NULL::bigint, NULL::numeric, NULL::numeric, NULL::numeric, NULL::numeric,
            NULL::numeric, NULL::bigint, NULL::bigint, NULL::bigint, NULL::numeric, NULL::text;
        RETURN;
    END IF;

    BEGIN
        RETURN QUERY EXECUTE pg_catalog.format($sql$
            SELECT 'ok'::text, NULL::text, s.queryid, pg_catalog.pg_get_userbyid(s.userid)::text, s.calls,
                   pg_catalog.round(s.total_exec_time::numeric, 3), pg_catalog.round(s.mean_exec_time::numeric, 3),
                   pg_catalog.round(s.min_exec_time::numeric, 3), pg_catalog.round(s.max_exec_time::numeric, 3),
                   pg_catalog.round(s.stddev_exec_time::numeric, 3), s.rows, s.shared_blks_hit, s.shared_blks_read,
                   orchestrator.hit_ratio(s.shared_blks_hit, s.shared_blks_read), pg_catalog.left(orchestrator.redact_query(s.query), 1000)
            FROM %s s
            WHERE s.dbid = (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database())
            ORDER BY s.mean_exec_time DESC, s.queryid
            LIMIT $1
        $sql$, view_name) USING "limit";
    EXCEPTION WHEN object_not_in_prerequisite_state THEN
        -- The extension exists but its library was not preloaded at server start.
        RETURN QUERY SELECT 'not_loaded'::text,
            'pg_stat_statements is installed in this database but its library is not loaded. ' || enable,
            NULL::bigint, NULL::text, NULL::bigint, NULL::numeric, NULL::numeric, NULL::numeric, NULL::numeric,
            NULL::numeric, NULL::bigint, NULL::bigint, NULL::bigint, NULL::numeric, NULL::text;
    END;
END
$$;
COMMENT ON FUNCTION api.monitoring_db_slow_statements(integer) IS
'The statements of this database with the highest mean execution time, from pg_stat_statements, at most "limit" of them (times in milliseconds, since pg_stat_statements_reset()).
status is ok on every statement row. pg_stat_statements is optional: when it cannot be read the result is ONE row without statement fields whose status says why and whose message says how to fix it:
not_installed (no CREATE EXTENSION pg_stat_statements in this database), not_loaded (the extension exists but pg_stat_statements is not in shared_preload_libraries), not_readable (aio_owner lacks USAGE or SELECT on it), outdated (ALTER EXTENSION pg_stat_statements UPDATE).
To enable it: shared_preload_libraries = ''pg_stat_statements'' in postgresql.conf, restart, then CREATE EXTENSION pg_stat_statements in this database.
Example: SELECT status, calls, mean_exec_ms, query FROM api.monitoring_db_slow_statements("limit" => 10);
Errors: 22023 limit outside 1..100.
Route: GET /monitoring/db/slow-statements';

REVOKE EXECUTE ON FUNCTION
    api.monitoring_db_table_sizes(),
    api.monitoring_db_index_usage(boolean),
    api.monitoring_db_cache_hit_ratio(),
    api.monitoring_db_long_running_queries(integer),
    api.monitoring_db_lock_waits(),
    api.monitoring_db_vacuum_status(),
    api.monitoring_db_slow_statements(integer)
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    api.monitoring_db_table_sizes(),
    api.monitoring_db_index_usage(boolean),
    api.monitoring_db_cache_hit_ratio(),
    api.monitoring_db_long_running_queries(integer),
    api.monitoring_db_lock_waits(),
    api.monitoring_db_vacuum_status(),
    api.monitoring_db_slow_statements(integer)
TO aio_api;

COMMIT;
