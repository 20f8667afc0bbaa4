-- Deploy ai-orchestrator:api/service (reworked after v1.0.0)
-- requires: api/service@v1.0.0 data/api_keys roles_rbac
-- The service family, whole: GET / (service_info), GET /ready (health; GET /health is the
-- gateway's own liveness and needs no function), GET /stats/summary. Every function is replaced,
-- so deploying this twice changes nothing.
BEGIN;
SET LOCAL ROLE aio_owner;

-- The deployed sqitch state, read from the registry when the deploying role let us see it.
CREATE OR REPLACE FUNCTION orchestrator.deployed_change(OUT change text, OUT release text, OUT deployed_at timestamptz)
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

CREATE OR REPLACE FUNCTION api.service_info(
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

CREATE OR REPLACE FUNCTION api.health(OUT status text, OUT schema_version text, OUT database_time timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' AS $$
    SELECT 'ok', d.change, pg_catalog.now() FROM orchestrator.deployed_change() d
$$;
COMMENT ON FUNCTION api.health() IS
'Readiness: answers only when the database is reachable and the schema deployed, with the deployed schema version.
Example: SELECT * FROM api.health();
Errors: none from SQL; over HTTP a missing database or schema is 503.
Route: GET /ready';

-- /stats/summary must stay fast on millions of rows: above a size, figures come from the
-- planner's statistics (pg_class.reltuples, pg_stats) and a 1% sample, and say so.
INSERT INTO orchestrator.settings (name, value, description) VALUES
    ('stats_exact_below_rows', '100000', 'api.stats_summary counts a table exactly below this many rows, estimates above')
ON CONFLICT (name) DO NOTHING;

CREATE OR REPLACE FUNCTION orchestrator.estimated_rows(relation regclass) RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT GREATEST(c.reltuples, -1)::bigint FROM pg_catalog.pg_class c WHERE c.oid = relation
$$;
COMMENT ON FUNCTION orchestrator.estimated_rows(regclass) IS 'The planner''s row estimate of a table; -1 before it was ever analyzed.';

CREATE OR REPLACE FUNCTION orchestrator.estimated_by_value(relation regclass, column_name text, vals text[], total bigint) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT pg_catalog.jsonb_object_agg(v, coalesce(pg_catalog.round(m.freq * total), 0)::bigint)
    FROM pg_catalog.unnest(vals) v
    LEFT JOIN (
        SELECT pg_catalog.unnest(st.most_common_vals::text::text[]) AS val, pg_catalog.unnest(st.most_common_freqs) AS freq
        FROM pg_catalog.pg_stats st
        JOIN pg_catalog.pg_class c ON c.relname = st.tablename
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace AND n.nspname = st.schemaname
        WHERE c.oid = relation AND st.attname = column_name
    ) m ON m.val = v
$$;
COMMENT ON FUNCTION orchestrator.estimated_by_value(regclass, text, text[], bigint) IS
'Rows per value of a column, estimated from pg_stats most-common-value frequencies.';

-- The released stats_summary has no estimated column: a new result type needs a new function.
DROP FUNCTION IF EXISTS api.stats_summary();
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
GRANT EXECUTE ON FUNCTION api.stats_summary() TO aio_reader;

COMMIT;
