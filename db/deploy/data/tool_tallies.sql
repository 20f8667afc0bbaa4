-- Deploy ai-orchestrator:data/tool_tallies
-- requires: data/tools
-- The data checks on tools (api/monitoring) would read up to every tool (812,076 ACTIVE tools on
-- unavailable nodes, 50,056 deprecated versions still targeted at SCALE=10). Instead:
-- * ACTIVE tools per target node are counted by statement triggers (node_active_tools), so a
--   check sums the counts of the unavailable nodes;
-- * deprecated versions still targeted are counted per tool name (deprecated_targeted),
--   recounted for the names a statement touches;
-- * the two checks that look for rare rows have partial indexes that hold just those rows.
BEGIN;
SET LOCAL ROLE aio_owner;

CREATE TABLE orchestrator.node_active_tools (
    node_id      uuid   NOT NULL,
    active_tools bigint NOT NULL,
    CONSTRAINT node_active_tools_pkey PRIMARY KEY (node_id)
);
ALTER TABLE orchestrator.node_active_tools SET (fillfactor = 70);
COMMENT ON TABLE orchestrator.node_active_tools IS
'ACTIVE tools per target node (nodes with none have no row), kept exact by the tools'' statement triggers.';

CREATE TABLE orchestrator.deprecated_targeted (
    name  text   NOT NULL,
    tools bigint NOT NULL,
    CONSTRAINT deprecated_targeted_pkey PRIMARY KEY (name)
);
COMMENT ON TABLE orchestrator.deprecated_targeted IS
'Per tool name, its DEPRECATED versions still bound to a node although a newer version is ACTIVE (names with none have no row); recounted for the names each statement on tools touches.';

CREATE INDEX tools_active_without_node_idx ON orchestrator.tools (name, tool_id)
    WHERE status = 'ACTIVE' AND target_node_id IS NULL;
COMMENT ON INDEX orchestrator.tools_active_without_node_idx IS 'The active_tools_without_node data check.';
CREATE INDEX tools_without_type_idx ON orchestrator.tools (name, tool_id)
    WHERE input_schema <> '{}' AND NOT input_schema ? 'type';
COMMENT ON INDEX orchestrator.tools_without_type_idx IS 'The schemas_without_type data check.';

CREATE VIEW orchestrator.deprecated_targeted_tools AS
SELECT t.tool_id, t.name, t.version_key FROM orchestrator.tools t
WHERE t.status = 'DEPRECATED' AND t.target_node_id IS NOT NULL
  AND EXISTS (SELECT FROM orchestrator.tools l WHERE l.name = t.name AND l.version_key > t.version_key AND l.status = 'ACTIVE');
COMMENT ON VIEW orchestrator.deprecated_targeted_tools IS
'The deprecated_tools_still_targeted data check, row by row: DEPRECATED versions still bound to a node although a newer version is ACTIVE. A view, so that a count for some names plans as an index scan of those names (and keeps its plan).';

CREATE FUNCTION orchestrator.tool_tallies_apply(arrived uuid[], departed uuid[], names text[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF pg_catalog.cardinality(arrived) + pg_catalog.cardinality(departed) > 0 THEN
        -- Nodes in key order, so that two writers never wait on each other in a cycle.
        INSERT INTO orchestrator.node_active_tools AS c (node_id, active_tools)
        SELECT d.node_id, pg_catalog.sum(d.k)
        FROM (SELECT x, 1 FROM pg_catalog.unnest(arrived) x UNION ALL SELECT x, -1 FROM pg_catalog.unnest(departed) x) d(node_id, k)
        WHERE d.node_id IS NOT NULL
        GROUP BY d.node_id HAVING pg_catalog.sum(d.k) <> 0
        ORDER BY d.node_id
        ON CONFLICT (node_id) DO UPDATE SET active_tools = c.active_tools + EXCLUDED.active_tools;
    END IF;
    IF pg_catalog.cardinality(departed) > 0 THEN
        DELETE FROM orchestrator.node_active_tools c WHERE c.node_id = ANY (departed) AND c.active_tools = 0;
    END IF;

    IF pg_catalog.cardinality(names) > 0 THEN
        -- One writer per name at a time (256 lock buckets), and the recount after the lock: the
        -- last writer of a name counts with every earlier one committed.
        PERFORM pg_catalog.pg_advisory_xact_lock(1634296181, b.bucket)
        FROM (SELECT DISTINCT pg_catalog.hashtext(n) & 255 AS bucket FROM pg_catalog.unnest(names) n ORDER BY 1) b;
        MERGE INTO orchestrator.deprecated_targeted d
        USING (SELECT n.name, (SELECT pg_catalog.count(*) FROM orchestrator.deprecated_targeted_tools v WHERE v.name = n.name) AS tools
               FROM pg_catalog.unnest(names) n(name)) s
        ON d.name = s.name
        WHEN MATCHED AND s.tools = 0 THEN DELETE
        WHEN MATCHED THEN UPDATE SET tools = s.tools
        WHEN NOT MATCHED AND s.tools > 0 THEN INSERT (name, tools) VALUES (s.name, s.tools);
    END IF;
END
$$;
COMMENT ON FUNCTION orchestrator.tool_tallies_apply(uuid[], uuid[], text[]) IS
'Adds the ACTIVE tools that arrived at nodes, removes those that departed, and recounts deprecated_targeted for the names given.';

CREATE FUNCTION orchestrator.tools_tally() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- Only ACTIVE and DEPRECATED versions bear on a name's deprecated_targeted count.
    IF TG_OP = 'INSERT' THEN
        -- A create, the common case, written out over the transition table: these statements
        -- have no parameters, so their plans are made once per session. tool_tallies_apply's
        -- take arrays, and the planner re-plans them for every call (about 0.5 ms a create).
        INSERT INTO orchestrator.node_active_tools AS c (node_id, active_tools)
        SELECT r.target_node_id, pg_catalog.count(*) FROM new_rows r
        WHERE r.status = 'ACTIVE' AND r.target_node_id IS NOT NULL
        GROUP BY r.target_node_id ORDER BY r.target_node_id
        ON CONFLICT (node_id) DO UPDATE SET active_tools = c.active_tools + EXCLUDED.active_tools;
        PERFORM pg_catalog.pg_advisory_xact_lock(1634296181, b.bucket)
        FROM (SELECT DISTINCT pg_catalog.hashtext(r.name) & 255 AS bucket FROM new_rows r
              WHERE r.status IN ('ACTIVE', 'DEPRECATED') ORDER BY 1) b;
        MERGE INTO orchestrator.deprecated_targeted d
        USING (SELECT n.name, (SELECT pg_catalog.count(*) FROM orchestrator.deprecated_targeted_tools v WHERE v.name = n.name) AS tools
               FROM (SELECT DISTINCT r.name FROM new_rows r WHERE r.status IN ('ACTIVE', 'DEPRECATED')) n) s
        ON d.name = s.name
        WHEN MATCHED AND s.tools = 0 THEN DELETE
        WHEN MATCHED THEN UPDATE SET tools = s.tools
        WHEN NOT MATCHED AND s.tools > 0 THEN INSERT (name, tools) VALUES (s.name, s.tools);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM orchestrator.tool_tallies_apply('{}',
            ARRAY(SELECT r.target_node_id FROM old_rows r WHERE r.status = 'ACTIVE' AND r.target_node_id IS NOT NULL),
            ARRAY(SELECT DISTINCT r.name FROM old_rows r WHERE r.status IN ('ACTIVE', 'DEPRECATED')));
    ELSE
        PERFORM orchestrator.tool_tallies_apply(
            ARRAY(SELECT r.target_node_id FROM old_rows o JOIN new_rows r ON r.tool_id = o.tool_id
                  WHERE r.status = 'ACTIVE' AND r.target_node_id IS NOT NULL
                    AND (o.status <> 'ACTIVE' OR o.target_node_id IS DISTINCT FROM r.target_node_id)),
            ARRAY(SELECT o.target_node_id FROM old_rows o JOIN new_rows r ON r.tool_id = o.tool_id
                  WHERE o.status = 'ACTIVE' AND o.target_node_id IS NOT NULL
                    AND (r.status <> 'ACTIVE' OR o.target_node_id IS DISTINCT FROM r.target_node_id)),
            ARRAY(SELECT DISTINCT x.name FROM old_rows o JOIN new_rows r ON r.tool_id = o.tool_id,
                      LATERAL (VALUES (o.name, o.status), (r.name, r.status)) x(name, status)
                  WHERE x.status IN ('ACTIVE', 'DEPRECATED')
                    AND (o.name <> r.name OR o.version_key <> r.version_key OR o.status <> r.status
                         OR (o.target_node_id IS NULL) <> (r.target_node_id IS NULL))));
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION orchestrator.tools_tally() IS
'Statement trigger: keeps node_active_tools and deprecated_targeted for what an insert, update or delete did to the tools.';
CREATE TRIGGER tools_tally_insert AFTER INSERT ON orchestrator.tools
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION orchestrator.tools_tally();
CREATE TRIGGER tools_tally_update AFTER UPDATE ON orchestrator.tools
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION orchestrator.tools_tally();
CREATE TRIGGER tools_tally_delete AFTER DELETE ON orchestrator.tools
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION orchestrator.tools_tally();

CREATE FUNCTION orchestrator.tools_tally_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM orchestrator.node_active_tools;
    DELETE FROM orchestrator.deprecated_targeted;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION orchestrator.tools_tally_truncate() IS 'TRUNCATE trigger: no tools, no tool tallies.';
CREATE TRIGGER tools_tally_truncate AFTER TRUNCATE ON orchestrator.tools
    FOR EACH STATEMENT EXECUTE FUNCTION orchestrator.tools_tally_truncate();

CREATE FUNCTION orchestrator.tool_tallies_rebuild() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
    -- Writers wait while the figures are recomputed (SHARE blocks INSERT, UPDATE, DELETE).
    LOCK TABLE orchestrator.tools IN SHARE MODE;
    DELETE FROM orchestrator.node_active_tools;
    DELETE FROM orchestrator.deprecated_targeted;
    INSERT INTO orchestrator.node_active_tools (node_id, active_tools)
    SELECT t.target_node_id, pg_catalog.count(*) FROM orchestrator.tools t
    WHERE t.status = 'ACTIVE' AND t.target_node_id IS NOT NULL GROUP BY 1;
    INSERT INTO orchestrator.deprecated_targeted (name, tools)
    SELECT v.name, pg_catalog.count(*) FROM orchestrator.deprecated_targeted_tools v GROUP BY v.name;
END
$$;
REVOKE ALL ON FUNCTION orchestrator.tool_tallies_rebuild() FROM PUBLIC;
COMMENT ON FUNCTION orchestrator.tool_tallies_rebuild() IS
'Recomputes node_active_tools and deprecated_targeted from the tools, blocking writers meanwhile. Needed only after writing tools with triggers off (session_replication_role = replica, as bench/seed.sql does).
Example: SELECT orchestrator.tool_tallies_rebuild();';

-- The figures of the tools already there.
SELECT orchestrator.tool_tallies_rebuild();
ANALYZE orchestrator.node_active_tools, orchestrator.deprecated_targeted;

COMMIT;
