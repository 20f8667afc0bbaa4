-- pgTAP: catalog lints that hold for every object, present and future
BEGIN;
SELECT plan(12);

SELECT is_empty($$
    SELECT c.relname FROM pg_class c
    WHERE c.relnamespace IN ('api'::regnamespace, 'reporting'::regnamespace) AND c.relkind IN ('r', 'p')
$$, 'no tables in api or reporting');

SELECT is_empty($$
    SELECT p.oid::regprocedure FROM pg_proc p
    WHERE p.pronamespace = 'api'::regnamespace AND has_function_privilege('public', p.oid, 'EXECUTE')
$$, 'nothing in api is executable by PUBLIC');

SELECT is_empty($$
    SELECT p.proname FROM pg_proc p WHERE p.pronamespace = 'api'::regnamespace
    GROUP BY p.proname HAVING count(*) > 1
$$, 'no overloaded functions in api');

SELECT is_empty($$
    SELECT p.oid::regprocedure FROM pg_proc p
    WHERE p.pronamespace = 'api'::regnamespace
      AND (obj_description(p.oid, 'pg_proc') IS NULL
           OR obj_description(p.oid, 'pg_proc') !~ 'Example: '
           OR obj_description(p.oid, 'pg_proc') !~ 'Errors: '
           OR obj_description(p.oid, 'pg_proc') !~ 'Route: ')
$$, 'every api function has a COMMENT with an example, its errors and its route');

SELECT is_empty($$
    SELECT p.oid::regprocedure FROM pg_proc p
    WHERE p.pronamespace = 'api'::regnamespace AND NOT p.prosecdef
$$, 'every api function is SECURITY DEFINER (the API role has no table privileges)');

SELECT is_empty($$
    SELECT p.oid::regprocedure FROM pg_proc p
    WHERE p.prosecdef AND p.pronamespace IN ('api'::regnamespace, 'orchestrator'::regnamespace, 'reporting'::regnamespace)
      AND NOT EXISTS (SELECT FROM unnest(p.proconfig) cfg WHERE cfg LIKE 'search_path=%')
$$, 'every SECURITY DEFINER function pins search_path');

SELECT is_empty($$
    SELECT c.oid::regclass FROM pg_class c
    WHERE c.relnamespace = 'reporting'::regnamespace AND c.relkind IN ('v', 'm')
      AND (obj_description(c.oid, 'pg_class') IS NULL
           OR EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0
                      AND NOT a.attisdropped AND col_description(c.oid, a.attnum) IS NULL))
$$, 'every reporting view and view column is commented');

SELECT is_empty($$
    SELECT c.oid::regclass FROM pg_class c
    WHERE c.relnamespace IN ('orchestrator'::regnamespace, 'api'::regnamespace, 'reporting'::regnamespace)
      AND c.relkind IN ('r', 'v', 'm', 'S', 'i', 'c') AND c.relowner <> 'aio_owner'::regrole
$$, 'aio_owner owns every relation and type');

SELECT is_empty($$
    SELECT c.oid::regclass, r.rolname FROM pg_class c CROSS JOIN pg_roles r
    WHERE c.relnamespace = 'orchestrator'::regnamespace AND c.relkind IN ('r', 'v', 'm')
      AND r.rolname IN ('aio_api', 'aio_bi', 'aio_gateway')
      AND has_table_privilege(r.oid, c.oid, 'SELECT, INSERT, UPDATE, DELETE')
$$, 'the API, BI and gateway roles have no privileges on the data tables');

SELECT is_empty($$
    SELECT n.nspname FROM pg_namespace n WHERE n.nspname IN ('orchestrator', 'api', 'reporting')
      AND obj_description(n.oid, 'pg_namespace') IS NULL
$$, 'every schema is commented');

-- trigger functions run as the caller --------------------------------------------------------
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
