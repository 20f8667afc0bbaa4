-- Deploy ai-orchestrator:roles
-- Cluster-wide roles, created idempotently: another database in the cluster may already have them.
BEGIN;
-- Re-granting an existing membership only notices; keep deploy output quiet.
SET LOCAL client_min_messages = warning;

DO $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT * FROM (VALUES
        ('aio_owner',   'NOLOGIN', 'owns every AI Orchestrator object'),
        ('aio_api',     'NOLOGIN', 'may EXECUTE the api functions; no table privileges'),
        ('aio_bi',      'LOGIN',   'read-only BI role: SELECT on the reporting schema only'),
        ('aio_gateway', 'LOGIN NOINHERIT', 'the gateway''s login: no privileges of its own, switches to aio_api per transaction')
    ) AS t(name, options, purpose)
    LOOP
        IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = r.name) THEN
            EXECUTE format('CREATE ROLE %I %s', r.name, r.options);
        END IF;
        EXECUTE format('COMMENT ON ROLE %I IS %L', r.name, r.purpose);
    END LOOP;
END
$$;

GRANT aio_api TO aio_gateway;
-- The deploying role creates objects as the owner (SET ROLE aio_owner in each change).
GRANT aio_owner TO CURRENT_USER;
-- Monitoring functions read pg_stat_* as the owner, without superuser.
GRANT pg_monitor TO aio_owner;

COMMIT;
