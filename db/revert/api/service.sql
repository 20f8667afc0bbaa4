-- Revert ai-orchestrator:api/service to v1.0.0: api.health serves GET /health again.
BEGIN;
SET LOCAL ROLE aio_owner;

CREATE OR REPLACE FUNCTION api.health(OUT status text, OUT schema_version text, OUT database_time timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' AS $$
    SELECT 'ok', d.change, pg_catalog.now() FROM orchestrator.deployed_change() d
$$;
COMMENT ON FUNCTION api.health() IS
'Liveness of the database and the deployed schema: answers only when both are there.
Example: SELECT * FROM api.health();
Errors: none from SQL; over HTTP a missing database or schema is 503.
Route: GET /health';

COMMIT;
