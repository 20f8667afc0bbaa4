-- Revert ai-orchestrator:data/helpers to v1.0.0: the helpers whose definitions the rework changed, and the keys computed by them.
BEGIN;
SET LOCAL ROLE aio_owner;

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

    IF explained IS NOT NULL THEN
        field := coalesce(field, pg_catalog.split_part(explained, ':', 1));
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

CREATE OR REPLACE FUNCTION orchestrator.semver_key(version text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
    WITH parts AS (
        SELECT m[1] AS major, m[2] AS minor, m[3] AS patch, m[4] AS pre
        FROM pg_catalog.regexp_match(version, '^([0-9]+)\.([0-9]+)\.([0-9]+)(?:-([0-9A-Za-z.-]+))?(?:\+.*)?$') AS m
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
    FROM parts
    WHERE orchestrator.is_semver(version)
$$;
COMMENT ON FUNCTION orchestrator.semver_key(text) IS
'Sort key for a semver string: ORDER BY semver_key(version) COLLATE "C" follows semver precedence (1.10.0 > 1.9.0, 1.0.0 > 1.0.0-rc.1). NULL for an invalid version.';
-- The stored keys of versions with build metadata, as v1.0.0 computes them.
UPDATE orchestrator.tools t SET version = t.version WHERE t.version LIKE '%+%';

COMMIT;
