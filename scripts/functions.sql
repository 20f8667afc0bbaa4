-- make functions [NAME=regex]: the api functions as a DBA reads them, one line each (name,
-- arguments, route, first line of the COMMENT), instead of \df+ api.* with every source.
-- `\sf api.<name>` shows one function's source, `\dd api.<name>` its whole comment.
\pset footer off
SELECT p.proname AS function,
       pg_catalog.pg_get_function_identity_arguments(p.oid) AS arguments,
       substring(d.description FROM '\nRoute: ([^\n]*)') AS route,
       left(regexp_replace(split_part(d.description, E'\n', 1), '[.;] .*$', ''), 100) AS summary  -- its first clause
FROM pg_catalog.pg_proc p
LEFT JOIN pg_catalog.pg_description d
       ON d.objoid = p.oid AND d.classoid = 'pg_catalog.pg_proc'::regclass AND d.objsubid = 0
WHERE p.pronamespace = 'api'::regnamespace AND p.proname ~ :'name'
ORDER BY p.proname;
