-- Revert ai-orchestrator:data/helpers to v1.1.0: cursor_encode IMMUTABLE, as released.
BEGIN;
SET LOCAL ROLE aio_owner;

CREATE OR REPLACE FUNCTION orchestrator.cursor_encode(sort_key jsonb) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
    SELECT pg_catalog.rtrim(pg_catalog.translate(
        pg_catalog.encode(pg_catalog.convert_to(sort_key::text, 'UTF8'), 'base64'),
        E'+/\n', '-_'), '=')
$$;

COMMIT;
