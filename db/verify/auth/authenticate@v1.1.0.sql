-- Verify ai-orchestrator:auth/authenticate
SELECT 'auth.authenticate_key_hash(bytea)'::regprocedure, 'auth.identity_for(text, uuid)'::regprocedure;
SELECT 1 / pg_catalog.has_function_privilege('aio_gateway', 'auth.authenticate_key_hash(bytea)', 'EXECUTE')::int;
