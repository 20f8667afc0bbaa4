-- Revert ai-orchestrator:data/helpers to v1.0.0: the one helper whose definition the rework changed.
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

COMMIT;
