-- Deploy ai-orchestrator:api/maintenance
-- requires: api/queries data/tool_deactivations reporting/operations idempotency roles_rbac data/artifacts_orphaned_at
-- Upkeep: /maintenance routes.
BEGIN;
SET LOCAL ROLE aio_owner;

-- cleanup_orphaned_artifacts ----------------------------------------------------------------
CREATE TYPE api.cleanup_result AS (
    dry_run      boolean,
    older_than   interval,
    artifacts    bigint,
    bytes        numeric,
    artifact_ids uuid[],
    remaining    bigint
);
COMMENT ON TYPE api.cleanup_result IS
'What a cleanup deleted (or, on a dry run, would delete): how many, how many bytes, their ids, and how many orphans past the age remain for the next batch.';

CREATE FUNCTION api.maintenance_cleanup_orphaned_artifacts(
    older_than_days integer DEFAULT 7,
    dry_run         boolean DEFAULT true,
    batch_size      integer DEFAULT 1000
) RETURNS api.cleanup_result
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
    cutoff timestamptz;
    result api.cleanup_result;
BEGIN
    IF older_than_days IS NULL OR older_than_days NOT BETWEEN 0 AND 36500 THEN
        RAISE EXCEPTION 'older_than_days: must be between 0 and 36500, got %', coalesce(older_than_days::text, 'null')
            USING ERRCODE = 'invalid_parameter_value', COLUMN = 'older_than_days';
    END IF;
    IF batch_size IS NULL OR batch_size NOT BETWEEN 1 AND 10000 THEN
        RAISE EXCEPTION 'batch_size: must be between 1 and 10000, got %', coalesce(batch_size::text, 'null')
            USING ERRCODE = 'invalid_parameter_value', COLUMN = 'batch_size';
    END IF;
    IF dry_run IS NULL THEN
        RAISE EXCEPTION 'dry_run: must be true or false' USING ERRCODE = 'invalid_parameter_value', COLUMN = 'dry_run';
    END IF;
    -- One cleanup at a time: a second concurrent run is told so instead of racing the first.
    IF NOT dry_run AND NOT pg_catalog.pg_try_advisory_xact_lock(pg_catalog.hashtext('orchestrator.cleanup_orphaned_artifacts')) THEN
        RAISE EXCEPTION 'another cleanup of orphaned artifacts is running; retry when it is done'
            USING ERRCODE = 'PT409';
    END IF;
    cutoff := pg_catalog.now() - pg_catalog.make_interval(days => older_than_days);
    result.dry_run := dry_run;
    result.older_than := pg_catalog.make_interval(days => older_than_days);

    -- One bounded batch per call keeps locks short; call again while remaining > 0.
    WITH batch AS (
        SELECT a.artifact_id FROM orchestrator.artifacts a
        WHERE a.tool_id IS NULL AND a.orphaned_at IS NOT NULL AND a.created_at < cutoff
        ORDER BY a.created_at, a.artifact_id
        LIMIT batch_size
        FOR UPDATE SKIP LOCKED
    ), gone AS (
        DELETE FROM orchestrator.artifacts a USING batch b
        WHERE NOT dry_run AND a.artifact_id = b.artifact_id
        RETURNING a.artifact_id, a.size_bytes
    ), chosen AS (
        SELECT a.artifact_id, a.size_bytes FROM orchestrator.artifacts a JOIN batch b USING (artifact_id) WHERE dry_run
        UNION ALL
        SELECT * FROM gone
    )
    SELECT pg_catalog.count(*), coalesce(pg_catalog.sum(size_bytes), 0),
           coalesce(pg_catalog.array_agg(artifact_id ORDER BY artifact_id), '{}')
    INTO result.artifacts, result.bytes, result.artifact_ids
    FROM chosen;

    SELECT pg_catalog.count(*) - CASE WHEN dry_run THEN result.artifacts ELSE 0 END INTO result.remaining
    FROM orchestrator.artifacts a WHERE a.tool_id IS NULL AND a.orphaned_at IS NOT NULL AND a.created_at < cutoff;
    RETURN result;
END
$$;
COMMENT ON FUNCTION api.maintenance_cleanup_orphaned_artifacts(integer, boolean, integer) IS
'Deletes artifact records whose tool was deleted (orphaned_at set when the tool went; artifacts recorded without a tool are never taken) and that are older than older_than_days (default 7), one bounded batch (batch_size, default 1000) per call so that locks stay short; call again while remaining > 0. dry_run (the default) only reports what would go. Concurrent runs never double-delete: the second is refused while the first holds the advisory lock.
Example: SELECT * FROM api.maintenance_cleanup_orphaned_artifacts(older_than_days => 30, dry_run => false);
Errors: 22023 older_than_days outside 0..36500, batch_size outside 1..10000, dry_run null; PT409 another cleanup is running.
Route: POST /maintenance/cleanup-orphaned-artifacts';

-- update_tool_status ---------------------------------------------------------------------------
CREATE TYPE api.tool_status_change AS (
    tool_id    uuid,
    name       text,
    version    text,
    old_status text,
    new_status text,
    reason     text,
    node_id    uuid,
    applied    boolean
);
COMMENT ON TYPE api.tool_status_change IS 'One tool whose status the node rule changed (or, on a dry run, would change), and why.';

CREATE FUNCTION api.maintenance_update_tool_status(
    dry_run             boolean DEFAULT true,
    stale_after_seconds integer DEFAULT 30,
    down_after_seconds  integer DEFAULT 120
) RETURNS SETOF api.tool_status_change
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
    th record := orchestrator.health_thresholds(stale_after_seconds, down_after_seconds);
    -- The changes are kept in a variable, not a temporary table: pg_temp belongs to the caller's
    -- session, and a table of the same name planted there would run under this function's rights.
    changes api.tool_status_change[];
BEGIN
    IF dry_run IS NULL THEN
        RAISE EXCEPTION 'dry_run: must be true or false' USING ERRCODE = 'invalid_parameter_value', COLUMN = 'dry_run';
    END IF;
    IF NOT dry_run AND NOT pg_catalog.pg_try_advisory_xact_lock(pg_catalog.hashtext('orchestrator.update_tool_status')) THEN
        RAISE EXCEPTION 'another tool status update is running; retry when it is done' USING ERRCODE = 'PT409';
    END IF;

    SELECT coalesce(pg_catalog.array_agg(c.change ORDER BY (c.change).name, (c.change).version, (c.change).tool_id), '{}')
    INTO changes
    FROM (
        -- ACTIVE tools whose node is missing, not ACTIVE, or DOWN.
        SELECT ROW(t.tool_id, t.name, t.version, t.status, 'INACTIVE',
               CASE WHEN t.target_node_id IS NULL THEN 'no target node'
                    WHEN n.status <> 'ACTIVE' THEN 'target node is ' || n.status
                    ELSE 'target node is DOWN (silent for ' || coalesce(
                             pg_catalog.round(EXTRACT(epoch FROM pg_catalog.now() - h.last_heartbeat_at))::text || ' s', 'ever') || ')'
               END,
               t.target_node_id, NOT dry_run)::api.tool_status_change
        FROM orchestrator.tools t
        LEFT JOIN orchestrator.nodes n ON n.node_id = t.target_node_id
        LEFT JOIN orchestrator.node_heartbeats h ON h.node_id = n.node_id
        WHERE t.status = 'ACTIVE'
          AND (n.node_id IS NULL OR n.status <> 'ACTIVE'
               OR orchestrator.node_health(n.status, h.last_heartbeat_at, th.stale_after, th.down_after) = 'DOWN')
        UNION ALL
        -- Tools this rule deactivated whose node is HEALTHY again.
        SELECT ROW(t.tool_id, t.name, t.version, t.status, 'ACTIVE', 'target node is HEALTHY again', n.node_id, NOT dry_run)::api.tool_status_change
        FROM orchestrator.tool_deactivations d
        JOIN orchestrator.tools t ON t.tool_id = d.tool_id
        JOIN orchestrator.nodes n ON n.node_id = t.target_node_id
        LEFT JOIN orchestrator.node_heartbeats h ON h.node_id = n.node_id
        WHERE t.status = 'INACTIVE'
          AND orchestrator.node_health(n.status, h.last_heartbeat_at, th.stale_after, th.down_after) = 'HEALTHY'
    ) c(change);

    IF NOT dry_run THEN
        -- The tools_forget_deactivation trigger drops the records of every tool whose status changes
        -- here (the re-activated ones); the deactivations are recorded after it has run.
        UPDATE orchestrator.tools t SET status = c.new_status
        FROM pg_catalog.unnest(changes) c WHERE t.tool_id = c.tool_id;
        INSERT INTO orchestrator.tool_deactivations (tool_id, reason, node_id)
        SELECT c.tool_id, c.reason, c.node_id FROM pg_catalog.unnest(changes) c WHERE c.new_status = 'INACTIVE'
        ON CONFLICT ON CONSTRAINT tool_deactivations_pkey DO UPDATE
            SET reason = excluded.reason, node_id = excluded.node_id, deactivated_at = pg_catalog.now();
    END IF;

    RETURN QUERY SELECT * FROM pg_catalog.unnest(changes);
END
$$;
COMMENT ON FUNCTION api.maintenance_update_tool_status(boolean, integer, integer) IS
'The node rule: ACTIVE tools whose target node is missing, not ACTIVE, or DOWN become INACTIVE, with the reason recorded; tools this rule deactivated become ACTIVE again once their node is HEALTHY. Tools deactivated by hand are never re-activated. dry_run (the default) only reports. Returns each change.
Example: SELECT name, version, old_status, new_status, reason FROM api.maintenance_update_tool_status(dry_run => false);
Errors: 22023 dry_run null or thresholds out of order; PT409 another run is in progress.
Route: POST /maintenance/update-tool-status';

-- tools_without_nodes ------------------------------------------------------------------------------
CREATE TYPE api.tool_without_node AS (
    tool_id        uuid,
    name           text,
    version        text,
    status         text,
    target_node_id uuid,
    node_status    text,
    problem        text,
    cursor         text
);
COMMENT ON TYPE api.tool_without_node IS 'A tool with no usable node, and what is wrong: no target node, or the node is not ACTIVE.';

CREATE FUNCTION api.maintenance_tools_without_nodes("limit" integer DEFAULT 50, cursor text DEFAULT NULL)
RETURNS SETOF api.tool_without_node
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
    after jsonb := orchestrator.cursor_decode(cursor, 3);
BEGIN
    PERFORM orchestrator.check_limit("limit");
    RETURN QUERY
    SELECT t.tool_id, t.name, t.version, t.status, t.target_node_id, n.status,
           CASE WHEN t.target_node_id IS NULL THEN 'no target node' ELSE 'target node is ' || n.status END,
           orchestrator.cursor_encode(pg_catalog.jsonb_build_array(t.name, t.version_key, t.tool_id))
    FROM orchestrator.tools t
    LEFT JOIN orchestrator.nodes n ON n.node_id = t.target_node_id
    WHERE (t.target_node_id IS NULL OR n.status <> 'ACTIVE')
      AND (after IS NULL OR t.name >= after->>0)
      AND (after IS NULL OR t.name > after->>0 OR (t.name = after->>0 AND (
               t.version_key < after->>1 OR (t.version_key = after->>1 AND t.tool_id > (after->>2)::uuid))))
    ORDER BY t.name, t.version_key DESC, t.tool_id
    LIMIT "limit";
END
$$;
COMMENT ON FUNCTION api.maintenance_tools_without_nodes(integer, text) IS
'Tools that cannot run: no target node (never set, or the node was deleted), or a node that is not ACTIVE. By name, newest version first; keyset pagination.
Example: SELECT name, version, problem FROM api.maintenance_tools_without_nodes();
Errors: 22023 limit outside 1..1000 or a bad cursor.
Route: GET /maintenance/tools-without-nodes';

-- refresh_reporting ------------------------------------------------------------------------
CREATE TYPE api.refreshed_view AS (view_name text, row_count bigint, refreshed_at timestamptz);
COMMENT ON TYPE api.refreshed_view IS 'A materialized view that was refreshed, and how many rows it now holds.';

CREATE FUNCTION api.maintenance_refresh_reporting() RETURNS SETOF api.refreshed_view
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
BEGIN
    -- CONCURRENTLY: BI readers keep reading the old contents while the new ones are built.
    REFRESH MATERIALIZED VIEW CONCURRENTLY reporting.artifacts_by_day;
    RETURN QUERY SELECT 'reporting.artifacts_by_day', pg_catalog.count(*), pg_catalog.clock_timestamp()
                 FROM reporting.artifacts_by_day;
END
$$;
COMMENT ON FUNCTION api.maintenance_refresh_reporting() IS
'Refreshes the materialized reporting views (reporting.artifacts_by_day) without blocking their readers.
Example: SELECT * FROM api.maintenance_refresh_reporting();
Errors: none of its own.
Route: POST /maintenance/refresh-reporting';

-- purge_idempotency_keys -------------------------------------------------------------------
CREATE FUNCTION api.maintenance_purge_idempotency_keys(older_than_hours integer DEFAULT 24, OUT deleted bigint, OUT cutoff timestamptz)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
BEGIN
    IF older_than_hours IS NULL OR older_than_hours NOT BETWEEN 1 AND 87600 THEN
        RAISE EXCEPTION 'older_than_hours: must be between 1 and 87600 (10 years), got %', coalesce(older_than_hours::text, 'null')
            USING ERRCODE = 'invalid_parameter_value', COLUMN = 'older_than_hours';
    END IF;
    cutoff := pg_catalog.now() - pg_catalog.make_interval(hours => older_than_hours);
    DELETE FROM orchestrator.idempotency_keys k WHERE k.created_at < cutoff;
    GET DIAGNOSTICS deleted = ROW_COUNT;
END
$$;
COMMENT ON FUNCTION api.maintenance_purge_idempotency_keys(integer) IS
'Forgets idempotency keys older than older_than_hours (default 24): after that a retry with the same key is a new request.
Example: SELECT * FROM api.maintenance_purge_idempotency_keys(older_than_hours => 48);
Errors: 22023 older_than_hours outside 1..87600.
Route: POST /maintenance/purge-idempotency-keys';

GRANT EXECUTE ON FUNCTION api.maintenance_tools_without_nodes(integer, text) TO aio_reader;
GRANT EXECUTE ON FUNCTION
    api.maintenance_cleanup_orphaned_artifacts(integer, boolean, integer),
    api.maintenance_update_tool_status(boolean, integer, integer),
    api.maintenance_refresh_reporting(),
    api.maintenance_purge_idempotency_keys(integer)
TO aio_admin;

COMMIT;
