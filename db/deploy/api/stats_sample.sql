-- Deploy ai-orchestrator:api/stats_sample
-- requires: api/service
-- /stats/summary estimates the artifact bytes from the same 1% of the pages on every call
-- (REPEATABLE), at most about 100,000 rows: a fresh random 1% each call read pages that were
-- not cached (50-100 ms at 10 million artifacts; now 25-30 ms), and the figure jumped between calls.
BEGIN;
SET LOCAL ROLE aio_owner;

CREATE OR REPLACE FUNCTION api.stats_summary(
    OUT total_nodes bigint, OUT total_tools bigint, OUT total_artifacts bigint,
    OUT total_artifact_bytes numeric, OUT total_tags bigint,
    OUT nodes_by_status jsonb, OUT tools_by_status jsonb, OUT estimated text[]
)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
    exact_below bigint := coalesce((SELECT s.value::bigint FROM orchestrator.settings s WHERE s.name = 'stats_exact_below_rows'), 100000);
    rows_nodes bigint := orchestrator.estimated_rows('orchestrator.nodes');
    rows_tools bigint := orchestrator.estimated_rows('orchestrator.tools');
    rows_artifacts bigint := orchestrator.estimated_rows('orchestrator.artifacts');
    rows_tags bigint := orchestrator.estimated_rows('orchestrator.tool_tags');
BEGIN
    estimated := '{}';
    IF rows_nodes BETWEEN 0 AND exact_below - 1 OR rows_nodes < 0 THEN
        total_nodes := (SELECT pg_catalog.count(*) FROM orchestrator.nodes);
        nodes_by_status := (SELECT pg_catalog.jsonb_object_agg(s, (SELECT pg_catalog.count(*) FROM orchestrator.nodes n WHERE n.status = s))
                            FROM pg_catalog.unnest(orchestrator.node_statuses()) s);
    ELSE
        total_nodes := rows_nodes;
        nodes_by_status := orchestrator.estimated_by_value('orchestrator.nodes', 'status', orchestrator.node_statuses(), rows_nodes);
        estimated := estimated || '{total_nodes,nodes_by_status}'::text[];
    END IF;
    IF rows_tools < exact_below THEN
        total_tools := (SELECT pg_catalog.count(*) FROM orchestrator.tools);
        tools_by_status := (SELECT pg_catalog.jsonb_object_agg(s, (SELECT pg_catalog.count(*) FROM orchestrator.tools t WHERE t.status = s))
                            FROM pg_catalog.unnest(orchestrator.tool_statuses()) s);
    ELSE
        total_tools := rows_tools;
        tools_by_status := orchestrator.estimated_by_value('orchestrator.tools', 'status', orchestrator.tool_statuses(), rows_tools);
        estimated := estimated || '{total_tools,tools_by_status}'::text[];
    END IF;
    IF rows_tags < exact_below THEN
        total_tags := (SELECT pg_catalog.count(*) FROM orchestrator.tool_tags);
    ELSE
        total_tags := rows_tags;
        estimated := estimated || '{total_tags}'::text[];
    END IF;
    IF rows_artifacts < exact_below THEN
        total_artifacts := (SELECT pg_catalog.count(*) FROM orchestrator.artifacts);
        total_artifact_bytes := (SELECT coalesce(pg_catalog.sum(a.size_bytes), 0) FROM orchestrator.artifacts a);
    ELSE
        total_artifacts := rows_artifacts;
        -- The mean size of a page sample, times the estimated rows: 1% of the pages, at most about
        -- 100,000 rows, the same pages each call (a steady figure, and pages that stay cached).
        -- A smaller sample missed too many of the few very large artifacts (16% low at 25,000).
        total_artifact_bytes := (SELECT pg_catalog.round(pg_catalog.avg(a.size_bytes) * rows_artifacts)
                                 FROM orchestrator.artifacts a
                                 TABLESAMPLE SYSTEM (LEAST(1, 100.0 * 100000 / GREATEST(rows_artifacts, 1))) REPEATABLE (0));
        IF total_artifact_bytes IS NULL THEN
            total_artifact_bytes := (SELECT coalesce(pg_catalog.sum(a.size_bytes), 0) FROM orchestrator.artifacts a);
        ELSE
            estimated := estimated || '{total_artifact_bytes}'::text[];
        END IF;
        estimated := estimated || '{total_artifacts}'::text[];
    END IF;
END
$$;
COMMENT ON FUNCTION api.stats_summary() IS
'Totals: nodes, tools, artifacts, artifact bytes, tags, and nodes and tools by status (every status, zeros included). A table of more than the setting stats_exact_below_rows (100,000) rows is estimated from the planner''s statistics and the same 1% page sample of artifacts on every call (at most about 100,000 rows) instead of counted, so that the call stays fast; estimated lists the figures that are estimates (empty when all are exact).
Example: SELECT total_tools, estimated FROM api.stats_summary();
Errors: none.
Route: GET /stats/summary';

COMMIT;
