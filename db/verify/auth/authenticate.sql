-- Verify ai-orchestrator:auth/authenticate
SELECT 'auth.authenticate_key_hash(bytea)'::regprocedure, 'auth.identity_for(text, uuid)'::regprocedure,
       'auth.key_refused(bytea)'::regprocedure, 'auth.record_key_uses(bytea[], timestamptz[])'::regprocedure;
SELECT key_hash, db_role, key_id, node_id, statement_timeout FROM auth.key_identities WHERE false;
SELECT 1 / pg_catalog.has_function_privilege('aio_gateway', 'auth.authenticate_key_hash(bytea)', 'EXECUTE')::int;
SELECT 1 / pg_catalog.has_function_privilege('aio_gateway', 'auth.record_key_uses(bytea[], timestamptz[])', 'EXECUTE')::int;
SELECT 1 / pg_catalog.has_table_privilege('aio_gateway', 'auth.key_identities', 'SELECT')::int;
-- authenticate_key_hash writes nothing: it is not VOLATILE any more
SELECT 1 / (p.provolatile = 's')::int FROM pg_catalog.pg_proc p WHERE p.oid = 'auth.authenticate_key_hash(bytea)'::regprocedure;
