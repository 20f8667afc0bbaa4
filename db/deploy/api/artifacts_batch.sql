-- Deploy ai-orchestrator:api/artifacts_batch (reworked after v1.1.0)
-- requires: api/artifacts_batch@v1.1.0 data/artifacts_invocation
-- Batch ingest: POST /artifacts/batch records many artifacts in one set-based INSERT; items are
-- checked one by one only when that insert fails, so that the error names every bad item. The
-- work is done by orchestrator.artifacts_record, which api.invocation_complete calls too with the
-- invocation the artifacts came from (lineage), so both record artifacts by the same rules.
-- Every function is replaced, so deploying this twice changes nothing.
BEGIN;
SET LOCAL ROLE aio_owner;

CREATE OR REPLACE FUNCTION orchestrator.artifacts_record(artifacts jsonb, invocation_id uuid DEFAULT NULL)
RETURNS SETOF api.artifact
LANGUAGE plpgsql VOLATILE SET search_path = '' AS $$
DECLARE
    max_items constant integer := 10000;
    -- The fields of api.artifact_create and the JSON type each takes ('any': the table decides).
    fields constant jsonb := '{"name": "string", "uri": "string", "tool_id": "string", "node_id": "string",
        "mime_type": "string", "size_bytes": "number", "checksum_sha256": "string", "metadata": "any"}'::jsonb;
    -- api.artifact_create's defaults, for the fields an item leaves out.
    defaults constant jsonb := '{"mime_type": "application/octet-stream", "size_bytes": 0, "metadata": {}}'::jsonb;
    uuid_pattern constant text := '^(\{[0-9a-f]{8}(-?[0-9a-f]{4}){3}-?[0-9a-f]{12}\}|[0-9a-f]{8}(-?[0-9a-f]{4}){3}-?[0-9a-f]{12})$';
    n integer;
    recorded api.artifact[];
    fast_failed boolean := false;
    problems jsonb;      -- [{"i": index, "field": name or null, "code": sqlstate, "message": text}]
    more jsonb;
    staged orchestrator.artifacts[];
    positions integer[];
    checks text;
    worst jsonb;
    shown integer;
    e_state text; e_schema text; e_table text; e_constraint text; e_column text; e_message text; e_detail text;
BEGIN
    IF artifacts IS NULL THEN
        RAISE EXCEPTION 'artifacts: is required and may not be null'
            USING ERRCODE = 'not_null_violation', COLUMN = 'artifacts';
    ELSIF pg_catalog.jsonb_typeof(artifacts) <> 'array' THEN
        RAISE EXCEPTION 'artifacts: must be a JSON array of artifact objects, got %', pg_catalog.jsonb_typeof(artifacts)
            USING ERRCODE = 'invalid_parameter_value', COLUMN = 'artifacts';
    END IF;
    n := pg_catalog.jsonb_array_length(artifacts);
    IF n > max_items THEN
        RAISE EXCEPTION 'artifacts: at most % items per batch, got %', max_items, n
            USING ERRCODE = 'invalid_parameter_value', COLUMN = 'artifacts', HINT = 'Send the artifacts in several batches.';
    ELSIF n = 0 THEN
        RETURN;
    END IF;

    -- JSON has one kind of number: 3.0 is the whole number 3 (JSON Schema's "integer" takes it),
    -- so a size_bytes written with a fraction of zero or an exponent is stored as that integer.
    IF EXISTS (SELECT FROM pg_catalog.jsonb_array_elements(artifacts) AS e(item)
               WHERE pg_catalog.jsonb_typeof(e.item->'size_bytes') = 'number' AND (e.item->>'size_bytes') ~ '[.eE]') THEN
        artifacts := (
            SELECT pg_catalog.jsonb_agg(CASE
                       WHEN pg_catalog.jsonb_typeof(e.item->'size_bytes') = 'number'
                        AND (e.item->>'size_bytes')::numeric = pg_catalog.trunc((e.item->>'size_bytes')::numeric)
                       THEN e.item || pg_catalog.jsonb_build_object('size_bytes', pg_catalog.trunc((e.item->>'size_bytes')::numeric))
                       ELSE e.item END ORDER BY e.ord)
            FROM pg_catalog.jsonb_array_elements(artifacts) WITH ORDINALITY AS e(item, ord));
    END IF;

    -- 0. The usual batch is sound: when every item has a sound shape (a cheap test), insert at
    --    once and let the table's constraints and references judge. Only when something fails
    --    do the checks below run, to name every bad item (the insert is undone either way).
    IF NOT EXISTS (
        SELECT FROM pg_catalog.jsonb_array_elements(artifacts) AS e(item)
        WHERE pg_catalog.jsonb_typeof(e.item) <> 'object'
           OR EXISTS (SELECT FROM pg_catalog.jsonb_each(e.item) AS f
                      WHERE pg_catalog.jsonb_typeof(f.value) <> 'null'
                        AND coalesce(fields->>f.key, 'unknown') NOT IN ('any', pg_catalog.jsonb_typeof(f.value))))
    THEN
        BEGIN
            WITH staged_rows AS (
                SELECT e.ord, pg_catalog.jsonb_populate_record(NULL::orchestrator.artifacts,
                           defaults || e.item || pg_catalog.jsonb_build_object('artifact_id', pg_catalog.gen_random_uuid())) AS s
                FROM pg_catalog.jsonb_array_elements(artifacts) WITH ORDINALITY AS e(item, ord)
            ), inserted AS (
                INSERT INTO orchestrator.artifacts AS a
                    (artifact_id, invocation_id, name, uri, tool_id, node_id, mime_type, size_bytes, checksum_sha256, metadata)
                SELECT (r.s).artifact_id, artifacts_record.invocation_id, (r.s).name, (r.s).uri, (r.s).tool_id, (r.s).node_id, (r.s).mime_type,
                       (r.s).size_bytes, (r.s).checksum_sha256, (r.s).metadata
                FROM staged_rows r ORDER BY r.ord
                RETURNING a.artifact_id, orchestrator.artifact_out(a) AS o
            )
            SELECT pg_catalog.array_agg(i.o ORDER BY r.ord) INTO recorded
            FROM inserted i JOIN staged_rows r ON (r.s).artifact_id = i.artifact_id;
        EXCEPTION WHEN data_exception OR integrity_constraint_violation THEN
            fast_failed := true;  -- the checks below name the bad items
            GET STACKED DIAGNOSTICS e_state = RETURNED_SQLSTATE, e_schema = SCHEMA_NAME, e_table = TABLE_NAME,
                e_constraint = CONSTRAINT_NAME, e_column = COLUMN_NAME, e_message = MESSAGE_TEXT, e_detail = PG_EXCEPTION_DETAIL;
        END;
        IF NOT fast_failed THEN
            RETURN QUERY SELECT * FROM pg_catalog.unnest(recorded);
            RETURN;
        END IF;
    END IF;

    -- 1. Shape and JSON types, item by item, so that every error names its index and field;
    -- 2. the items whose shape is right become table rows (defaults filled in, ids made here so
    --    that the result comes back in the order of the request).
    WITH items AS MATERIALIZED (
        SELECT (e.ord - 1)::integer AS i, e.item, (
            SELECT pg_catalog.jsonb_agg(q.p) FROM (
                SELECT pg_catalog.jsonb_build_object('i', e.ord - 1, 'field', NULL, 'code', '22023',
                           'message', 'must be a JSON object, got ' || pg_catalog.jsonb_typeof(e.item))
                WHERE pg_catalog.jsonb_typeof(e.item) <> 'object'
                UNION ALL
                SELECT pg_catalog.jsonb_build_object('i', e.ord - 1, 'field', f.key, 'code', k.code, 'message', CASE
                           WHEN t.expected IS NULL THEN 'unknown field'
                           WHEN t.got <> t.expected THEN pg_catalog.format('must be a JSON %s, got %s', t.expected, t.got)
                           WHEN k.code = '22P02' THEN pg_catalog.format('%s is not a UUID', pg_catalog.quote_literal(t.text_value))
                           WHEN k.code = '22003' THEN pg_catalog.format('%s is out of range for a byte count', t.text_value)
                           ELSE pg_catalog.format('must be a whole number, got %s', t.text_value) END)
                FROM pg_catalog.jsonb_each(CASE WHEN pg_catalog.jsonb_typeof(e.item) = 'object' THEN e.item END) AS f,
                     LATERAL (SELECT fields->>f.key AS expected, pg_catalog.jsonb_typeof(f.value) AS got,
                                     f.value #>> '{}' AS text_value) AS t,
                     LATERAL (SELECT CASE
                         WHEN t.expected IS NULL THEN '22023'
                         WHEN t.got = 'null' OR t.expected = 'any' THEN NULL
                         WHEN t.got <> t.expected THEN '22023'
                         WHEN f.key IN ('tool_id', 'node_id') AND t.text_value !~* uuid_pattern THEN '22P02'
                         WHEN f.key = 'size_bytes' AND t.text_value !~ '^-?[0-9]+$' THEN '22023'
                         WHEN f.key = 'size_bytes' AND t.text_value::numeric
                              NOT BETWEEN -9223372036854775808 AND 9223372036854775807 THEN '22003'
                         END AS code) AS k
                WHERE k.code IS NOT NULL
            ) AS q(p)) AS bad
        FROM pg_catalog.jsonb_array_elements(artifacts) WITH ORDINALITY AS e(item, ord)
    )
    SELECT (SELECT coalesce(pg_catalog.jsonb_agg(b), '[]') FROM items, pg_catalog.jsonb_array_elements(items.bad) AS b),
           (SELECT pg_catalog.array_agg(pg_catalog.jsonb_populate_record(NULL::orchestrator.artifacts,
                       defaults || items.item || pg_catalog.jsonb_build_object('artifact_id', pg_catalog.gen_random_uuid()))
                   ORDER BY items.i) FROM items WHERE items.bad IS NULL),
           (SELECT pg_catalog.array_agg(items.i ORDER BY items.i) FROM items WHERE items.bad IS NULL)
    INTO problems, staged, positions;

    -- 3. Required fields, the table's CHECK constraints (their COMMENTs are the messages) and
    --    the references, for all of those rows at once.
    SELECT pg_catalog.string_agg(pg_catalog.format('(%L, %s)', pg_catalog.obj_description(c.oid, 'pg_constraint'),
                                                  pg_catalog.pg_get_expr(c.conbin, c.conrelid)), ', ' ORDER BY c.conname)
    INTO checks
    FROM pg_catalog.pg_constraint c
    WHERE c.conrelid = 'orchestrator.artifacts'::pg_catalog.regclass AND c.contype = 'c';

    -- checks is catalog text, not input: the table's CHECK expressions as pg_get_expr prints
    -- them, their messages quoted by %L. plpgsql_check cannot tell; it is told so for this EXECUTE.
    PERFORM 'PRAGMA:disable:security_warnings';
    EXECUTE pg_catalog.format($q$
        SELECT coalesce(pg_catalog.jsonb_agg(p), '[]') FROM (
            SELECT pg_catalog.jsonb_build_object('i', $1[s.ordinality::integer], 'field', r.field, 'code', '23502',
                                                 'message', 'is required and may not be null')
            FROM pg_catalog.unnest($2) WITH ORDINALITY AS s,
                 LATERAL (VALUES ('name', s.name IS NULL), ('uri', s.uri IS NULL), ('mime_type', s.mime_type IS NULL),
                                 ('size_bytes', s.size_bytes IS NULL), ('metadata', s.metadata IS NULL)) AS r(field, missing)
            WHERE r.missing
            UNION ALL
            SELECT pg_catalog.jsonb_build_object('i', $1[s.ordinality::integer], 'field', pg_catalog.split_part(v.explained, ':', 1),
                       'code', '23514', 'message', pg_catalog.ltrim(pg_catalog.substr(v.explained, pg_catalog.strpos(v.explained, ':') + 1)))
            FROM pg_catalog.unnest($2) WITH ORDINALITY AS s, LATERAL (VALUES %s) AS v(explained, ok)
            WHERE v.ok IS FALSE
        ) AS checked(p)
    $q$, checks) INTO more USING positions, staged;
    PERFORM 'PRAGMA:enable:security_warnings';
    problems := problems || more;

    SELECT problems || coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
               'i', positions[s.ordinality::integer], 'field', r.field, 'code', '23503',
               'message', pg_catalog.format('no %s has id %s', r.entity, r.id))), '[]')
    INTO problems
    FROM pg_catalog.unnest(staged) WITH ORDINALITY AS s,
         LATERAL (VALUES ('tool_id', 'tool', s.tool_id), ('node_id', 'node', s.node_id)) AS r(field, entity, id)
    WHERE (r.field = 'tool_id' AND r.id IS NOT NULL AND NOT EXISTS (SELECT FROM orchestrator.tools t WHERE t.tool_id = r.id))
       OR (r.field = 'node_id' AND r.id IS NOT NULL AND NOT EXISTS (SELECT FROM orchestrator.nodes d WHERE d.node_id = r.id));

    -- 4. Any problem: nothing is written, and the error names every bad item (the first 100
    --    problems, then a count). Its SQLSTATE is the most basic problem's: a data exception,
    --    then a missing value, a broken rule, an unknown reference.
    IF pg_catalog.jsonb_array_length(problems) > 0 THEN
        SELECT p INTO worst FROM pg_catalog.jsonb_array_elements(problems) p
        ORDER BY CASE WHEN p->>'code' LIKE '22%' THEN 1 WHEN p->>'code' = '23502' THEN 2 WHEN p->>'code' = '23514' THEN 3 ELSE 4 END,
                 (p->>'i')::integer, p->>'field'
        LIMIT 1;
        shown := least(pg_catalog.jsonb_array_length(problems), 100);
        RAISE EXCEPTION USING
            ERRCODE = worst->>'code',
            COLUMN = pg_catalog.format('artifacts[%s]', worst->>'i') || coalesce('.' || (worst->>'field'), ''),
            MESSAGE = (
                SELECT pg_catalog.string_agg(pg_catalog.format('artifacts[%s]', q.p->>'i') || coalesce('.' || (q.p->>'field'), '')
                                             || ': ' || (q.p->>'message'), '; ' ORDER BY q.n)
                FROM (SELECT p, row_number() OVER (ORDER BY (p->>'i')::integer, p->>'field') AS n
                      FROM pg_catalog.jsonb_array_elements(problems) p) q
                WHERE q.n <= shown
            ) || CASE WHEN pg_catalog.jsonb_array_length(problems) > shown
                      THEN pg_catalog.format('; and %s more problems', pg_catalog.jsonb_array_length(problems) - shown) ELSE '' END,
            HINT = 'Nothing was recorded; fix the items named and send the whole batch again.';
    END IF;

    -- The insert above failed, yet no item is at fault now (a tool or node deleted in between,
    -- say): its own error, rather than a second attempt.
    IF fast_failed THEN
        IF e_state LIKE '23%' THEN
            PERFORM orchestrator.raise_constraint_error(e_state, e_schema, e_table, e_constraint, e_column, e_message, e_detail);
        END IF;
        RAISE EXCEPTION USING ERRCODE = e_state, MESSAGE = 'artifacts: ' || e_message;
    END IF;

    -- 5. One INSERT for the whole batch; the rows come back in the order they were sent.
    BEGIN
        RETURN QUERY
        WITH inserted AS (
            INSERT INTO orchestrator.artifacts AS a
                (artifact_id, invocation_id, name, uri, tool_id, node_id, mime_type, size_bytes, checksum_sha256, metadata)
            SELECT s.artifact_id, artifacts_record.invocation_id, s.name, s.uri, s.tool_id, s.node_id, s.mime_type, s.size_bytes, s.checksum_sha256, s.metadata
            FROM pg_catalog.unnest(staged) WITH ORDINALITY AS s
            ORDER BY s.ordinality
            RETURNING a.artifact_id, orchestrator.artifact_out(a) AS o
        )
        SELECT (i.o).* FROM inserted i
        JOIN pg_catalog.unnest(staged) WITH ORDINALITY AS s ON s.artifact_id = i.artifact_id
        ORDER BY s.ordinality;
    EXCEPTION WHEN integrity_constraint_violation THEN
        -- A tool or node deleted since the checks above, say: the constraint's own message.
        GET STACKED DIAGNOSTICS e_state = RETURNED_SQLSTATE, e_schema = SCHEMA_NAME, e_table = TABLE_NAME,
            e_constraint = CONSTRAINT_NAME, e_column = COLUMN_NAME, e_message = MESSAGE_TEXT, e_detail = PG_EXCEPTION_DETAIL;
        PERFORM orchestrator.raise_constraint_error(e_state, e_schema, e_table, e_constraint, e_column, e_message, e_detail);
    END;
END
$$;
COMMENT ON FUNCTION orchestrator.artifacts_record(jsonb, uuid) IS
'Records a JSON array of artifact bodies (the fields of api.artifact_create) all or nothing, with invocation_id as the invocation that produced them (NULL: none), and returns them in the order given. The body of api.artifact_create_batch and of the artifacts of api.invocation_complete; errors as api.artifact_create_batch documents.';

CREATE OR REPLACE FUNCTION api.artifact_create_batch(artifacts jsonb) RETURNS SETOF api.artifact
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
    SELECT * FROM orchestrator.artifacts_record(artifacts)
$$;

REVOKE ALL ON FUNCTION api.artifact_create_batch(jsonb) FROM PUBLIC;
-- Writers record any artifacts; a node key only its own (the artifacts_node_identity trigger, 42501).
GRANT EXECUTE ON FUNCTION api.artifact_create_batch(jsonb) TO aio_writer, aio_node;

COMMENT ON FUNCTION api.artifact_create_batch(jsonb) IS
'Records many artifacts at once, all or nothing, and returns them in the order given.
artifacts is a JSON array of at most 10,000 objects with the fields of api.artifact_create (name and uri required; tool_id, node_id, mime_type, size_bytes, checksum_sha256, metadata optional, with the same defaults). Every item is checked before anything is written, and the error names each bad item by index and field, e.g. artifacts[3].size_bytes: must be 0 or more (the first 100 problems, then their count); its SQLSTATE is that of the most basic problem.
Example: SELECT artifact_id, name FROM api.artifact_create_batch(artifacts => ''[{"name": "a.json", "uri": "s3://results/a.json", "size_bytes": 10}, {"name": "b.json", "uri": "s3://results/b.json"}]'');
Errors: 22023 artifacts not an array, more than 10,000 items, an item not an object, an unknown field or a field of the wrong JSON type or a size_bytes not a whole number (3.0 counts as 3); 22P02 a tool_id or node_id not a UUID; 22003 a size_bytes out of range; 23502 an item without name or uri (or with null for a field that needs a value); 23514 bad name, uri, mime_type, size_bytes (negative), checksum_sha256 or metadata; 23503 a tool_id or node_id that names nothing; 42501 a node key recording an artifact of another node.
Route: POST /artifacts/batch -> 201';

COMMIT;
