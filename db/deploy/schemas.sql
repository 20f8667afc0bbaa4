-- Deploy ai-orchestrator:schemas
-- requires: roles
BEGIN;

CREATE SCHEMA orchestrator AUTHORIZATION aio_owner;
COMMENT ON SCHEMA orchestrator IS
'AI Orchestrator data: tables, private helpers and triggers. Owned by aio_owner; no other role has privileges here.';

CREATE SCHEMA api AUTHORIZATION aio_owner;
COMMENT ON SCHEMA api IS
'AI Orchestrator API: one function per HTTP route, also what DBAs call with named arguments.
Errors carry SQLSTATEs: P0002 not found, 23505/23503 conflict, 23514/23502/22xxx invalid input.';

CREATE SCHEMA reporting AUTHORIZATION aio_owner;
COMMENT ON SCHEMA reporting IS
'AI Orchestrator reporting: stable, commented views for BI tools, readable by aio_bi.';

-- Trigram operator classes for substring search, kept out of public.
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA orchestrator;

GRANT USAGE ON SCHEMA api TO aio_api;
GRANT USAGE ON SCHEMA reporting TO aio_bi;

-- Functions are private until a change grants them explicitly.
ALTER DEFAULT PRIVILEGES FOR ROLE aio_owner REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;

COMMIT;
