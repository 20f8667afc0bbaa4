-- Deploy ai-orchestrator:data/helpers (reworked after v1.0.0)
-- requires: data/helpers@v1.0.0
-- Private helpers shared by the tables and the api functions; every one replaced, so deploying
-- this twice changes nothing.
BEGIN;
SET LOCAL ROLE aio_owner;

CREATE OR REPLACE FUNCTION orchestrator.touch_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := pg_catalog.now();
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION orchestrator.touch_updated_at() IS
'Trigger: keeps updated_at current on every UPDATE.';

-- Semantic Versioning 2.0.0, the grammar of semver.org.
CREATE OR REPLACE FUNCTION orchestrator.is_semver(version text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
    SELECT version ~ '^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-(0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*)(\.(0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*))*)?(\+[0-9a-zA-Z-]+(\.[0-9a-zA-Z-]+)*)?$'
$$;
COMMENT ON FUNCTION orchestrator.is_semver(text) IS
'True when version is a valid Semantic Versioning 2.0.0 string, e.g. 1.2.3, 1.0.0-rc.1, 2.0.0+build.5.';

-- A text key whose byte order ("C" collation) is semver precedence:
-- numbers compare by length then digits (no leading zeros in semver), a release sorts
-- after its pre-releases ('~' > '-'), pre-release identifiers compare numeric ('0') before
-- alphanumeric ('1'), and a shorter identifier list sorts first (' ' below every identifier
-- character). Build metadata has no precedence in semver, but versions that differ only in it
-- must still come in one order (which is "latest" may not be chance): it follows, after chr(1),
-- which sorts below every other character: 1.0.0 < 1.0.0+a < 1.0.0+b < 1.0.1, and
-- 1.0.0-rc < 1.0.0-rc+b < 1.0.0-rc.1.
CREATE OR REPLACE FUNCTION orchestrator.semver_key(version text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
    WITH parts AS (
        SELECT m[1] AS major, m[2] AS minor, m[3] AS patch, m[4] AS pre, m[5] AS build
        FROM pg_catalog.regexp_match(version, '^([0-9]+)\.([0-9]+)\.([0-9]+)(?:-([0-9A-Za-z.-]+))?(?:\+(.*))?$') AS m
    )
    SELECT pg_catalog.lpad(pg_catalog.length(major)::text, 3, '0') || major || '.'
        || pg_catalog.lpad(pg_catalog.length(minor)::text, 3, '0') || minor || '.'
        || pg_catalog.lpad(pg_catalog.length(patch)::text, 3, '0') || patch
        || CASE WHEN pre IS NULL THEN '~' ELSE '-' || (
               SELECT pg_catalog.string_agg(
                          CASE WHEN id ~ '^[0-9]+$'
                               THEN '0' || pg_catalog.lpad(pg_catalog.length(id)::text, 3, '0') || id
                               ELSE '1' || id END,
                          ' ' ORDER BY n)
               FROM pg_catalog.regexp_split_to_table(pre, '\.') WITH ORDINALITY AS ids(id, n))
           END
        || coalesce(pg_catalog.chr(1) || build, '')
    FROM parts
    WHERE orchestrator.is_semver(version)
$$;
COMMENT ON FUNCTION orchestrator.semver_key(text) IS
'Sort key for a semver string: ORDER BY semver_key(version) COLLATE "C" follows semver precedence (1.10.0 > 1.9.0, 1.0.0 > 1.0.0-rc.1), and among versions equal in precedence their build metadata in byte order (1.0.0 < 1.0.0+a < 1.0.0+b): a total order. NULL for an invalid version.';

-- Keyset cursors: an opaque, URL-safe token holding the sort key of the last row seen.
CREATE OR REPLACE FUNCTION orchestrator.cursor_encode(sort_key jsonb) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
    SELECT pg_catalog.rtrim(pg_catalog.translate(
        pg_catalog.encode(pg_catalog.convert_to(sort_key::text, 'UTF8'), 'base64'),
        E'+/\n', '-_'), '=')
$$;
COMMENT ON FUNCTION orchestrator.cursor_encode(jsonb) IS
'Encodes a keyset sort key (a JSON array) as an opaque URL-safe cursor.';

CREATE OR REPLACE FUNCTION orchestrator.cursor_decode(cursor text, arity integer) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    padded text := pg_catalog.translate(cursor, '-_', '+/');
    sort_key jsonb;
BEGIN
    IF cursor IS NULL THEN
        RETURN NULL;
    END IF;
    padded := padded || pg_catalog.repeat('=', (4 - pg_catalog.length(padded) % 4) % 4);
    sort_key := pg_catalog.convert_from(pg_catalog.decode(padded, 'base64'), 'UTF8')::jsonb;
    IF pg_catalog.jsonb_typeof(sort_key) <> 'array' OR pg_catalog.jsonb_array_length(sort_key) <> arity THEN
        RAISE invalid_parameter_value;
    END IF;
    RETURN sort_key;
EXCEPTION WHEN OTHERS THEN
    RAISE EXCEPTION 'cursor: % is not a cursor issued by this list', pg_catalog.quote_literal(cursor)
        USING ERRCODE = 'invalid_parameter_value', COLUMN = 'cursor',
              HINT = 'Pass the cursor of the last item of the previous page, or omit it to start at the first page.';
END
$$;
COMMENT ON FUNCTION orchestrator.cursor_decode(text, integer) IS
'Decodes a cursor made by cursor_encode into its sort key; raises 22023 naming the cursor when it is not one.';

CREATE OR REPLACE FUNCTION orchestrator.check_limit("limit" integer) RETURNS integer
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    IF "limit" IS NULL OR "limit" < 1 OR "limit" > 1000 THEN
        RAISE EXCEPTION 'limit: must be between 1 and 1000, got %', coalesce("limit"::text, 'null')
            USING ERRCODE = 'invalid_parameter_value', COLUMN = 'limit';
    END IF;
    RETURN "limit";
END
$$;
COMMENT ON FUNCTION orchestrator.check_limit(integer) IS
'Returns limit when it is within 1..1000 (the page size every list accepts), else raises 22023.';

-- Turns a constraint violation into an error that names the field and the rule, using
-- the constraint's COMMENT ("field: rule") as the single source of the wording.
CREATE OR REPLACE FUNCTION orchestrator.raise_constraint_error(
    sqlstate text, table_schema text, table_name text, constraint_name text,
    column_name text, message text, detail text
) RETURNS void
LANGUAGE plpgsql STABLE AS $$
DECLARE
    explained text;
    field text := nullif(column_name, '');
BEGIN
    SELECT pg_catalog.obj_description(c.oid, 'pg_constraint') INTO explained
    FROM pg_catalog.pg_constraint c
    JOIN pg_catalog.pg_class t ON t.oid = c.conrelid
    JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace
    WHERE c.conname = constraint_name AND t.relname = table_name AND n.nspname = table_schema;

    IF explained IS NOT NULL AND field IS NOT NULL THEN
        -- The caller knows the field by another name (a parameter): say that name.
        explained := pg_catalog.regexp_replace(explained, '^[^:]*:', field || ':');
    ELSIF explained IS NOT NULL THEN
        field := pg_catalog.split_part(explained, ':', 1);
    ELSIF sqlstate = '23502' THEN
        explained := field || ': is required and may not be null';
    ELSE
        explained := message;
    END IF;

    RAISE EXCEPTION USING ERRCODE = sqlstate, MESSAGE = explained,
        DETAIL = CASE WHEN sqlstate IN ('23505', '23503') THEN coalesce(detail, '') ELSE '' END,
        COLUMN = coalesce(field, ''), CONSTRAINT = coalesce(constraint_name, ''),
        TABLE = coalesce(table_name, ''), SCHEMA = coalesce(table_schema, '');
END
$$;
COMMENT ON FUNCTION orchestrator.raise_constraint_error(text, text, text, text, text, text, text) IS
'Re-raises a constraint violation with the constraint''s COMMENT as message and the field in COLUMN. Call it from an exception handler with the GET STACKED DIAGNOSTICS values.';

-- Validates a JSON patch against the fields it may carry and their JSON types, naming the
-- first offending field. A JSON null is always let through: the column's NOT NULL decides.
CREATE OR REPLACE FUNCTION orchestrator.check_patch(patch jsonb, field_types jsonb) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    bad record;
BEGIN
    IF patch IS NULL OR pg_catalog.jsonb_typeof(patch) <> 'object' THEN
        RAISE EXCEPTION 'patch: must be a JSON object, got %', coalesce(pg_catalog.jsonb_typeof(patch), 'null')
            USING ERRCODE = 'invalid_parameter_value', COLUMN = 'patch';
    END IF;
    SELECT p.key, field_types->>p.key AS expected, pg_catalog.jsonb_typeof(p.value) AS got INTO bad
    FROM pg_catalog.jsonb_each(patch) AS p
    WHERE NOT field_types ? p.key
       OR pg_catalog.jsonb_typeof(p.value) NOT IN ('null', field_types->>p.key)
    ORDER BY p.key LIMIT 1;
    IF bad.key IS NOT NULL AND bad.expected IS NULL THEN
        RAISE EXCEPTION '%: unknown field', bad.key
            USING ERRCODE = 'invalid_parameter_value', COLUMN = bad.key,
                  HINT = 'Fields that may be changed: ' || (
                      SELECT pg_catalog.string_agg(k, ', ' ORDER BY k) FROM pg_catalog.jsonb_object_keys(field_types) k);
    ELSIF bad.key IS NOT NULL THEN
        RAISE EXCEPTION '%: must be a JSON %, got %', bad.key, bad.expected, bad.got
            USING ERRCODE = 'invalid_parameter_value', COLUMN = bad.key;
    END IF;
    RETURN patch;
END
$$;
COMMENT ON FUNCTION orchestrator.check_patch(jsonb, jsonb) IS
'Returns patch when it is a JSON object whose keys are in field_types ({"field": "string|number|boolean|object|array"}) with values of that JSON type or null; else raises 22023 naming the field.';

CREATE OR REPLACE FUNCTION orchestrator.check_enum(field text, value text, allowed text[]) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    IF value IS NOT NULL AND value <> ALL (allowed) THEN
        RAISE EXCEPTION '%: must be one of %, got %', field, pg_catalog.array_to_string(allowed, ', '),
            pg_catalog.quote_literal(value)
            USING ERRCODE = 'invalid_parameter_value', COLUMN = field;
    END IF;
    RETURN value;
END
$$;
COMMENT ON FUNCTION orchestrator.check_enum(text, text, text[]) IS
'Returns value when it is NULL or one of allowed; else raises 22023 naming field. For list filters.';

-- Keys stored before build metadata took part (tools.version_key and its copies in tool_tags)
-- are computed again; only versions with build metadata change.
UPDATE orchestrator.tools t SET version = t.version WHERE t.version LIKE '%+%';

COMMIT;
