-- Deploy ai-orchestrator:api/service (reworked after v1.0.0)
-- requires: api/service@v1.0.0
-- GET /ready is the readiness check (database reachable, schema deployed); GET /health is now
-- the gateway's own liveness and needs no function.
BEGIN;
SET LOCAL ROLE aio_owner;

CREATE OR REPLACE FUNCTION api.health(OUT status text, OUT schema_version text, OUT database_time timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' AS $$
    SELECT 'ok', d.change, pg_catalog.now() FROM orchestrator.deployed_change() d
$$;
COMMENT ON FUNCTION api.health() IS
'Readiness: answers only when the database is reachable and the schema deployed, with the deployed schema version.
Example: SELECT * FROM api.health();
Errors: none from SQL; over HTTP a missing database or schema is 503.
Route: GET /ready';

COMMIT;
