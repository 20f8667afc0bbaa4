-- pgTAP: data/triggers_invoker (trigger functions run as the caller)
BEGIN;
SELECT plan(2);

SELECT is_empty($$ SELECT p.oid::regprocedure FROM pg_catalog.pg_proc p
                   WHERE p.prorettype = 'trigger'::regtype AND p.pronamespace = 'orchestrator'::regnamespace
                     AND (p.prosecdef OR p.proconfig IS NOT NULL) $$,
    'no trigger function is SECURITY DEFINER or pins settings (each call would save and restore them)');
SELECT is_empty($$ SELECT c.relname, p.privilege_type
                   FROM pg_catalog.pg_class c, pg_catalog.aclexplode(c.relacl) p
                   WHERE c.relnamespace = 'orchestrator'::regnamespace AND c.relkind IN ('r', 'p')
                     AND p.grantee <> c.relowner AND p.privilege_type IN ('INSERT', 'UPDATE', 'DELETE', 'TRUNCATE') $$,
    'only the owner writes the tables, so the triggers always run as the owner (through the api functions) or a superuser');

SELECT * FROM finish();
ROLLBACK;
