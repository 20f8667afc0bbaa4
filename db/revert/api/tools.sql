-- Revert ai-orchestrator:api/tools to v1.1.0: tool_out a SQL function and tool_page calling it for
-- each row, as released; tool_tag_array goes.
BEGIN;
SET LOCAL ROLE aio_owner;

CREATE OR REPLACE FUNCTION orchestrator.tool_out(t orchestrator.tools) RETURNS api.tool
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT ROW(t.tool_id, t.name, t.version, t.description, t.category, t.input_schema, t.output_schema,
               t.target_node_id, t.status, t.metadata,
               ARRAY(SELECT g.tag::text FROM orchestrator.tool_tags g WHERE g.tool_id = t.tool_id ORDER BY g.tag),
               t.created_at, t.updated_at, t.revision)::api.tool
$$;

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
    filters text[] := '{true}'::text[];
    -- The list order's columns: the tool's own, or the copies a tag row carries, so that a tag's
    -- tools are read in list order from tool_tags_list_idx and a page costs its own rows only.
    source text := 'orchestrator.tools t';
    list_order text[] := '{t.name,t.version_key,t.tool_id}'::text[];
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
         FROM (SELECT ' || pg_catalog.format('%s AS name, %s AS version_key, %s AS tool_id', list_order[1], list_order[2], list_order[3]) || '
               FROM ' || source || '
               WHERE ' || pg_catalog.array_to_string(filters, ' AND ') || '
               ORDER BY ' || pg_catalog.format('%s, %s DESC, %s', list_order[1], list_order[2], list_order[3]) || ' LIMIT $1) p
         JOIN orchestrator.tools t ON t.tool_id = p.tool_id, LATERAL orchestrator.tool_out(t) o
         ORDER BY p.name, p.version_key DESC, p.tool_id'
    USING "limit", category, status, target_node_id, name_like, name_exact, tag_exact, tag_prefix, after;
END
$$;

DROP FUNCTION orchestrator.tool_tag_array(uuid);

COMMIT;
