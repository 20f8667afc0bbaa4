-- Revert ai-orchestrator:api/service to v1.0.0: api.health serves GET /health again.
BEGIN;
SET LOCAL ROLE aio_owner;

CREATE OR REPLACE FUNCTION api.health(OUT status text, OUT schema_version text, OUT database_time timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' AS $$
    SELECT 'ok', d.change, pg_catalog.now() FROM orchestrator.deployed_change() d
$$;
COMMENT ON FUNCTION api.health() IS
'Liveness of the database and the deployed schema: answers only when both are there.
Example: SELECT * FROM api.health();
Errors: none from SQL; over HTTP a missing database or schema is 503.
Route: GET /health';

DROP FUNCTION api.stats_summary();
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
GRANT EXECUTE ON FUNCTION api.stats_summary() TO aio_reader;
DROP FUNCTION orchestrator.estimated_by_value(regclass, text, text[], bigint);
DROP FUNCTION orchestrator.estimated_rows(regclass);
RESET ROLE;
DELETE FROM orchestrator.settings WHERE name = 'stats_exact_below_rows';

COMMIT;
