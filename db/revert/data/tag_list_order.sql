-- Revert ai-orchestrator:data/tag_list_order
-- Back to tag searches that probe tools read in list order (api/tool_search).
BEGIN;
SET LOCAL ROLE aio_owner;

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
BEGIN
    PERFORM orchestrator.check_limit("limit"), orchestrator.check_enum('status', status, orchestrator.tool_statuses());
    -- $n are the USING values below; EXECUTE plans once for these very values.
    IF category IS NOT NULL THEN filters := pg_catalog.array_append(filters, 't.category = $2'); END IF;
    IF status IS NOT NULL THEN filters := pg_catalog.array_append(filters, 't.status = $3'); END IF;
    IF target_node_id IS NOT NULL THEN filters := pg_catalog.array_append(filters, 't.target_node_id = $4'); END IF;
    IF name_contains IS NOT NULL THEN filters := pg_catalog.array_append(filters, 't.name LIKE $5'); END IF;
    IF name_exact IS NOT NULL THEN filters := pg_catalog.array_append(filters, 't.name = $6'); END IF;
    IF tag_exact IS NOT NULL THEN
        filters := pg_catalog.array_append(filters, 'EXISTS (SELECT FROM orchestrator.tool_tags g WHERE g.tool_id = t.tool_id AND g.tag = $7)');
    END IF;
    IF tag_prefix IS NOT NULL THEN
        filters := pg_catalog.array_append(filters, $f$EXISTS (SELECT FROM orchestrator.tool_tags g WHERE g.tool_id = t.tool_id
                                         AND g.tag >= $8 AND g.tag < $8 || '~')$f$);
    END IF;
    IF after IS NOT NULL THEN  -- keyset: after (name, version_key, tool_id) in list order
        filters := pg_catalog.array_append(filters, $f$t.name >= $9->>0 AND (t.name > $9->>0 OR (t.name = $9->>0 AND (
                      t.version_key < $9->>1 OR (t.version_key = $9->>1 AND t.tool_id > ($9->>2)::uuid))))$f$);
    END IF;
    RETURN QUERY EXECUTE
        'SELECT o.tool_id, o.name, o.version, o.description, o.category, o.input_schema, o.output_schema,
                o.target_node_id, o.status, o.metadata, o.tags, o.created_at, o.updated_at,
                orchestrator.cursor_encode(pg_catalog.jsonb_build_array(p.name, p.version_key, p.tool_id)), o.revision
         FROM (SELECT t.name, t.version_key, t.tool_id FROM orchestrator.tools t
               WHERE ' || pg_catalog.array_to_string(filters, ' AND ') || '
               ORDER BY t.name, t.version_key DESC, t.tool_id LIMIT $1) p
         JOIN orchestrator.tools t ON t.tool_id = p.tool_id, LATERAL orchestrator.tool_out(t) o
         ORDER BY p.name, p.version_key DESC, p.tool_id'
    USING "limit", category, status, target_node_id, name_like, name_exact, tag_exact, tag_prefix, after;
END
$$;
COMMENT ON FUNCTION orchestrator.tool_page(integer, text, text, text, uuid, text, text, text, text) IS
'One keyset page of tools in the order every tool list uses: name, semver precedence newest first, tool_id. Only the filters given enter the statement, so the planner sees each as it is.';

DROP TRIGGER tool_tags_audit ON orchestrator.tool_tags;
CREATE TRIGGER tool_tags_audit AFTER UPDATE ON orchestrator.tool_tags
    FOR EACH ROW EXECUTE FUNCTION orchestrator.audit_change('tool_id,tag');
DROP TRIGGER tools_list_order_to_tags ON orchestrator.tools;
DROP FUNCTION orchestrator.tool_gives_list_order();
DROP TRIGGER tool_tags_list_order ON orchestrator.tool_tags;
DROP FUNCTION orchestrator.tag_takes_list_order();
ALTER TABLE orchestrator.tool_tags DROP COLUMN tool_name, DROP COLUMN tool_version_key;  -- and tool_tags_list_idx

COMMIT;
