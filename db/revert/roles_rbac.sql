-- Revert ai-orchestrator:roles_rbac
-- Back to one API role. The request roles stay (cluster-wide; other databases may use them).
BEGIN;
DO $$
DECLARE
    f regprocedure;
    r text;
BEGIN
    FOR f IN SELECT p.oid::regprocedure FROM pg_catalog.pg_proc p WHERE p.pronamespace = 'api'::regnamespace LOOP
        FOREACH r IN ARRAY ARRAY['aio_anon', 'aio_reader', 'aio_writer', 'aio_admin', 'aio_node'] LOOP
            EXECUTE format('REVOKE ALL ON FUNCTION %s FROM %I', f, r);
        END LOOP;
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO aio_api', f);
    END LOOP;
END
$$;
REVOKE USAGE ON SCHEMA api FROM aio_anon, aio_reader, aio_node;
GRANT aio_api TO aio_gateway;
COMMIT;
