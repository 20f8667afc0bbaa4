-- Deploy ai-orchestrator:api/service
-- requires: data/artifacts
-- The service routes: GET /, GET /health, GET /stats/summary.
BEGIN;

-- Let the owner read the deployed version from the sqitch registry (as the deploying role).
DO $$
BEGIN
    IF pg_catalog.to_regclass('sqitch.changes') IS NOT NULL THEN
        GRANT USAGE ON SCHEMA sqitch TO aio_owner;
        GRANT SELECT ON sqitch.changes, sqitch.tags TO aio_owner;
    END IF;
END
$$;

SET LOCAL ROLE aio_owner;

-- The deployed sqitch state, read from the registry when the deploying role let us see it.
CREATE FUNCTION orchestrator.deployed_change(OUT change text, OUT release text, OUT deployed_at timestamptz)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_namespace WHERE nspname = 'sqitch')
       OR NOT pg_catalog.has_schema_privilege('sqitch', 'USAGE')
       OR pg_catalog.to_regclass('sqitch.changes') IS NULL
       OR NOT pg_catalog.has_table_privilege('sqitch.changes', 'SELECT') THEN
        RETURN;
    END IF;
    SELECT c.change, c.committed_at INTO change, deployed_at
    FROM sqitch.changes c WHERE c.project = 'ai-orchestrator'
    ORDER BY c.committed_at DESC LIMIT 1;
    SELECT t.tag INTO release
    FROM sqitch.tags t WHERE t.project = 'ai-orchestrator'
    ORDER BY t.committed_at DESC LIMIT 1;
END
$$;
COMMENT ON FUNCTION orchestrator.deployed_change() IS
'The last deployed sqitch change and release tag of this project; NULLs when the registry is not readable.';

CREATE FUNCTION api.service_info(
    OUT name text, OUT version text, OUT schema_version text, OUT deployed_at timestamptz,
    OUT docs text, OUT redoc text, OUT openapi text
)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' AS $$
    SELECT 'AI Orchestrator', coalesce(pg_catalog.ltrim(d.release, '@v'), 'unreleased'), d.change, d.deployed_at,
           '/docs', '/redoc', '/openapi.json'
    FROM orchestrator.deployed_change() d
$$;
COMMENT ON FUNCTION api.service_info() IS
'Name, release, deployed schema version (the last sqitch change) and links to the API docs.
Example: SELECT * FROM api.service_info();
Errors: none.
Route: GET /';

CREATE FUNCTION api.health(OUT status text, OUT schema_version text, OUT database_time timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' AS $$
    SELECT 'ok', d.change, pg_catalog.now() FROM orchestrator.deployed_change() d
$$;
COMMENT ON FUNCTION api.health() IS
'Liveness of the database and the deployed schema: answers only when both are there.
Example: SELECT * FROM api.health();
Errors: none from SQL; over HTTP a missing database or schema is 503.
Route: GET /health';

CREATE FUNCTION api.stats_summary(
    OUT total_nodes bigint, OUT total_tools bigint, OUT total_artifacts bigint,
    OUT total_artifact_bytes numeric, OUT total_tags bigint,
    OUT nodes_by_status jsonb, OUT tools_by_status jsonb
)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' AS $$
    SELECT
        (SELECT pg_catalog.count(*) FROM orchestrator.nodes),
        (SELECT pg_catalog.count(*) FROM orchestrator.tools),
        (SELECT pg_catalog.count(*) FROM orchestrator.artifacts),
        (SELECT coalesce(pg_catalog.sum(size_bytes), 0) FROM orchestrator.artifacts),
        (SELECT pg_catalog.count(*) FROM orchestrator.tool_tags),
        (SELECT pg_catalog.jsonb_object_agg(s, (SELECT pg_catalog.count(*) FROM orchestrator.nodes n WHERE n.status = s))
         FROM pg_catalog.unnest(orchestrator.node_statuses()) s),
        (SELECT pg_catalog.jsonb_object_agg(s, (SELECT pg_catalog.count(*) FROM orchestrator.tools t WHERE t.status = s))
         FROM pg_catalog.unnest(orchestrator.tool_statuses()) s)
$$;
COMMENT ON FUNCTION api.stats_summary() IS
'Totals: nodes, tools, artifacts, artifact bytes, tags, and nodes and tools counted by status (every status, zeros included).
Example: SELECT * FROM api.stats_summary();
Errors: none.
Route: GET /stats/summary';

GRANT EXECUTE ON FUNCTION api.service_info(), api.health(), api.stats_summary() TO aio_api;

COMMIT;
