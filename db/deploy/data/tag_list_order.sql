-- Deploy ai-orchestrator:data/tag_list_order
-- requires: api/tool_search data/audit_statements
-- A tag row carries its tool's list-order columns (name, version_key), kept by triggers, and
-- tool_tags_list_idx (tag, tool_name, tool_version_key DESC, tool_id) serves a tag search in list
-- order: a page reads its 50 index entries. A common tag was found by reading tools in list order
-- and probing each for the tag (about 2,500 probes for 2% of the tools: 6 ms at 100,000 tools,
-- 13 ms at 1,000,000, slower with every deeper page).
BEGIN;
SET LOCAL ROLE aio_owner;

ALTER TABLE orchestrator.tool_tags
    ADD COLUMN tool_name text,
    ADD COLUMN tool_version_key text COLLATE "C";
COMMENT ON COLUMN orchestrator.tool_tags.tool_name IS 'The tool''s name, copied for the list order of tag searches (kept by triggers).';
COMMENT ON COLUMN orchestrator.tool_tags.tool_version_key IS 'The tool''s version_key, copied for the list order of tag searches (kept by triggers).';

-- The backfill is bookkeeping, not a change anyone made: no audit rows, no updated_at.
ALTER TABLE orchestrator.tool_tags DISABLE TRIGGER USER;
UPDATE orchestrator.tool_tags g SET tool_name = t.name, tool_version_key = t.version_key
FROM orchestrator.tools t WHERE t.tool_id = g.tool_id;
ALTER TABLE orchestrator.tool_tags ENABLE TRIGGER USER;

CREATE INDEX tool_tags_list_idx ON orchestrator.tool_tags (tag, tool_name, tool_version_key DESC, tool_id);

CREATE FUNCTION orchestrator.tag_takes_list_order() RETURNS trigger
LANGUAGE plpgsql SET search_path = '' AS $$
BEGIN
    -- No tool: the copies stay null and the foreign key refuses the row.
    SELECT t.name, t.version_key INTO NEW.tool_name, NEW.tool_version_key
    FROM orchestrator.tools t WHERE t.tool_id = NEW.tool_id;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION orchestrator.tag_takes_list_order() IS
'Trigger: a new tag row (or one moved to another tool) copies its tool''s name and version_key.';
CREATE TRIGGER tool_tags_list_order BEFORE INSERT OR UPDATE OF tool_id ON orchestrator.tool_tags
    FOR EACH ROW EXECUTE FUNCTION orchestrator.tag_takes_list_order();

CREATE FUNCTION orchestrator.tool_gives_list_order() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
    UPDATE orchestrator.tool_tags g SET tool_name = NEW.name, tool_version_key = NEW.version_key
    WHERE g.tool_id = NEW.tool_id;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION orchestrator.tool_gives_list_order() IS
'Trigger: a renamed or re-versioned tool updates the copies its tag rows carry.';
CREATE TRIGGER tools_list_order_to_tags AFTER UPDATE OF name, version ON orchestrator.tools
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.version_key IS DISTINCT FROM NEW.version_key)
    EXECUTE FUNCTION orchestrator.tool_gives_list_order();

-- A tag row's audited content is its tool and tag: the copies changing is not a change to audit.
DROP TRIGGER tool_tags_audit ON orchestrator.tool_tags;
CREATE TRIGGER tool_tags_audit AFTER UPDATE OF tool_id, tag ON orchestrator.tool_tags
    FOR EACH ROW EXECUTE FUNCTION orchestrator.audit_change('tool_id,tag');

CREATE OR REPLACE FUNCTION orchestrator.tool_page(
    "limit" integer, cursor text,
    category text DEFAULT NULL, status text DEFAULT NULL, target_node_id uuid DEFAULT NULL,
    name_contains text DEFAULT NULL, name_exact text DEFAULT NULL,
    tag_exact text DEFAULT NULL, tag_prefix text DEFAULT NULL
) RETURNS SETOF api.tool_item
LANGUAGE plpgsql STABLE SET search_path = '' SET max_parallel_workers_per_gather = 0 AS $$
DECLARE
    after jsonb := orchestrator.cursor_decode(cursor, 3);
    name_like text := '%' || pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(
                          pg_catalog.lower(name_contains), '\', '\\'), '%', '\%'), '_', '\_') || '%';
    filters text[] := '{true}';
    -- The list order's columns: the tool's own, or the copies a tag row carries, so that a tag's
    -- tools are read in list order from tool_tags_list_idx and a page costs its own rows only.
    source text := 'orchestrator.tools t';
    list_order text[] := '{t.name,t.version_key,t.tool_id}';
BEGIN
    PERFORM orchestrator.check_limit("limit"), orchestrator.check_enum('status', status, orchestrator.tool_statuses());
    -- $n are the USING values below; EXECUTE plans once for these very values.
    IF category IS NOT NULL THEN filters := pg_catalog.array_append(filters, 't.category = $2'); END IF;
    IF status IS NOT NULL THEN filters := pg_catalog.array_append(filters, 't.status = $3'); END IF;
    IF target_node_id IS NOT NULL THEN filters := pg_catalog.array_append(filters, 't.target_node_id = $4'); END IF;
    IF name_contains IS NOT NULL THEN filters := pg_catalog.array_append(filters, 't.name LIKE $5'); END IF;
    IF name_exact IS NOT NULL THEN filters := pg_catalog.array_append(filters, 't.name = $6'); END IF;
    IF tag_exact IS NOT NULL THEN
        source := 'orchestrator.tool_tags k JOIN orchestrator.tools t ON t.tool_id = k.tool_id';
        list_order := '{k.tool_name,k.tool_version_key,k.tool_id}';
        filters := pg_catalog.array_append(filters, 'k.tag = $7');
    END IF;
    IF tag_prefix IS NOT NULL THEN
        filters := pg_catalog.array_append(filters, $f$EXISTS (SELECT FROM orchestrator.tool_tags g WHERE g.tool_id = t.tool_id
                                         AND g.tag >= $8 AND g.tag < $8 || '~')$f$);
    END IF;
    IF after IS NOT NULL THEN  -- keyset: after (name, version_key, tool_id) in list order
        filters := pg_catalog.array_append(filters, pg_catalog.format(
            $f$%1$s >= $9->>0 AND (%1$s > $9->>0 OR (%1$s = $9->>0 AND (
               %2$s < $9->>1 OR (%2$s = $9->>1 AND %3$s > ($9->>2)::uuid))))$f$,
            list_order[1], list_order[2], list_order[3]));
    END IF;
    RETURN QUERY EXECUTE
        'SELECT o.tool_id, o.name, o.version, o.description, o.category, o.input_schema, o.output_schema,
                o.target_node_id, o.status, o.metadata, o.tags, o.created_at, o.updated_at,
                orchestrator.cursor_encode(pg_catalog.jsonb_build_array(p.name, p.version_key, p.tool_id)), o.revision
         FROM (SELECT ' || pg_catalog.format('%s AS name, %s AS version_key, %s AS tool_id', VARIADIC list_order) || '
               FROM ' || source || '
               WHERE ' || pg_catalog.array_to_string(filters, ' AND ') || '
               ORDER BY ' || pg_catalog.format('%s, %s DESC, %s', VARIADIC list_order) || ' LIMIT $1) p
         JOIN orchestrator.tools t ON t.tool_id = p.tool_id, LATERAL orchestrator.tool_out(t) o
         ORDER BY p.name, p.version_key DESC, p.tool_id'
    USING "limit", category, status, target_node_id, name_like, name_exact, tag_exact, tag_prefix, after;
END
$$;
COMMENT ON FUNCTION orchestrator.tool_page(integer, text, text, text, uuid, text, text, text, text) IS
'One keyset page of tools in the order every tool list uses: name, semver precedence newest first, tool_id. Only the filters given enter the statement, so the planner sees each as it is; a tag''s tools are read in list order from the tag index.';

ANALYZE orchestrator.tool_tags;

COMMIT;
