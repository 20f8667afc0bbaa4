-- Deploy ai-orchestrator:auth/authenticate (reworked after v1.1.0)
-- requires: auth/authenticate@v1.1.0
-- What the gateway's login may call before it becomes the request's role, and the node rule.
-- A key's identity is the view auth.key_identities (an index probe the gateway joins
-- into its setup statement: no PL/pgSQL, no write), a refused key is explained by auth.key_refused,
-- and the gateway records keys' last use in batches with auth.record_key_uses, so that a request
-- that only reads writes nothing (and runs on a hot standby). The whole family, idempotent.
BEGIN;
SET LOCAL ROLE aio_owner;

CREATE OR REPLACE FUNCTION orchestrator.key_hash(key text) RETURNS bytea
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
    SELECT pg_catalog.sha256(pg_catalog.convert_to(key, 'UTF8'))
$$;
COMMENT ON FUNCTION orchestrator.key_hash(text) IS 'How API keys are stored: their SHA-256.';

-- PL/pgSQL, not SQL: a SQL function with a subquery is never inlined, and each request with a token
-- (auth.identity_for) would plan its query again; PL/pgSQL keeps the plan for the session.
CREATE OR REPLACE FUNCTION orchestrator.statement_timeout_for(role text) RETURNS text
LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN coalesce((SELECT s.value FROM orchestrator.settings s WHERE s.name = 'statement_timeout.' || role), '5s');
END
$$;
COMMENT ON FUNCTION orchestrator.statement_timeout_for(text) IS 'The statement timeout of requests made with a role (settings statement_timeout.<role>).';

-- The identity of every key that may be used now: neither revoked nor expired. The gateway's setup
-- statement reads one row of it by key_hash (the unique index api_keys_key_hash_key) in the same
-- message as the call; a revocation is seen by the next request that starts after it commits.
CREATE OR REPLACE VIEW auth.key_identities AS
SELECT k.key_hash,
       'aio_' || k.role AS db_role,
       k.key_id,
       k.node_id,
       coalesce(s.value, '5s') AS statement_timeout
FROM orchestrator.api_keys k
LEFT JOIN orchestrator.settings s ON s.name = 'statement_timeout.' || k.role
WHERE k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > pg_catalog.now());
COMMENT ON VIEW auth.key_identities IS
'The identity of each API key that may be used now (not revoked, not expired), by the SHA-256 of the key: what the gateway''s login reads, one row by key_hash, before it becomes the request''s role. No row: the key is unknown, revoked or expired (auth.key_refused says which).
Example: SELECT db_role, key_id, node_id, statement_timeout FROM auth.key_identities WHERE key_hash = orchestrator.key_hash(''aio_…'');';
COMMENT ON COLUMN auth.key_identities.key_hash IS 'SHA-256 of the key (orchestrator.key_hash), as orchestrator.api_keys stores it';
COMMENT ON COLUMN auth.key_identities.db_role IS 'the database role the request runs as (aio_reader, aio_writer, aio_admin, aio_node)';
COMMENT ON COLUMN auth.key_identities.key_id IS 'the key''s id (orchestrator.api_keys.key_id), set as aio.key_id in the request''s transaction';
COMMENT ON COLUMN auth.key_identities.node_id IS 'the node of a node key, else NULL; set as aio.node_id';
COMMENT ON COLUMN auth.key_identities.statement_timeout IS 'the statement timeout of requests with this role (settings statement_timeout.<role>, default 5s)';

-- Only on the refusal path: the setup statement calls it when the view has no row for the hash.
-- VOLATILE, so that the planner never evaluates it ahead of time.
CREATE OR REPLACE FUNCTION auth.key_refused(key_hash bytea) RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
    k orchestrator.api_keys;
BEGIN
    SELECT * INTO k FROM orchestrator.api_keys a WHERE a.key_hash = key_refused.key_hash;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'invalid API key' USING ERRCODE = 'invalid_authorization_specification';
    ELSIF k.revoked_at IS NOT NULL THEN
        RAISE EXCEPTION 'API key % was revoked', k.key_prefix USING ERRCODE = 'invalid_authorization_specification';
    ELSIF k.expires_at <= pg_catalog.now() THEN
        RAISE EXCEPTION 'API key % expired at %', k.key_prefix, k.expires_at USING ERRCODE = 'invalid_authorization_specification';
    END IF;
    RAISE EXCEPTION 'API key % may not be used', k.key_prefix USING ERRCODE = 'invalid_authorization_specification';
END
$$;
COMMENT ON FUNCTION auth.key_refused(bytea) IS
'Raises 28000 saying why a key (given as its SHA-256) has no identity: unknown, revoked or expired. Never returns; the gateway''s setup statement calls it only when auth.key_identities has no row for the key.
Example: SELECT auth.key_refused(orchestrator.key_hash(''aio_…''));
Errors: 28000 always.';

-- Checks a key and returns its identity, as one statement of SQL: for psql and scripts; the gateway
-- reads auth.key_identities in its own setup statement instead. Writes nothing.
CREATE OR REPLACE FUNCTION auth.authenticate_key_hash(key_hash bytea) RETURNS auth.identity
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' AS $$
    SELECT ROW(coalesce(i.db_role, auth.key_refused(authenticate_key_hash.key_hash)), i.key_id, i.node_id,
               i.statement_timeout)::auth.identity
    FROM (VALUES (1)) one (x)
    LEFT JOIN auth.key_identities i ON i.key_hash = authenticate_key_hash.key_hash
$$;
COMMENT ON FUNCTION auth.authenticate_key_hash(bytea) IS
'Checks an API key given as its SHA-256 (orchestrator.key_hash) and returns the identity the request runs as; writes nothing (the gateway records last use in batches: auth.record_key_uses). Errors: 28000 unknown, revoked or expired key.';

CREATE OR REPLACE FUNCTION auth.identity_for(role text, node_id uuid DEFAULT NULL) RETURNS auth.identity
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
BEGIN
    IF role IS NULL OR role NOT IN ('anon', 'reader', 'writer', 'admin', 'node') THEN
        RAISE EXCEPTION 'role %: not a role a token may claim', pg_catalog.quote_literal(role)
            USING ERRCODE = 'insufficient_privilege';
    ELSIF role = 'node' AND node_id IS NULL THEN
        RAISE EXCEPTION 'a node token must name its node_id' USING ERRCODE = 'invalid_authorization_specification';
    END IF;
    RETURN ROW('aio_' || role, NULL, node_id, orchestrator.statement_timeout_for(role))::auth.identity;
END
$$;
COMMENT ON FUNCTION auth.identity_for(text, uuid) IS
'The identity of an already verified token (JWT) or of an anonymous request: role reader, writer, admin, node or anon. Errors: 42501 any other role; 28000 node token without node_id.';

-- The gateway notes which keys its requests used and writes them every few seconds, outside any
-- request, to the primary: last_used_at moves forward only, and a key's row is written at most once
-- per batch. (Changes of last_used_at alone are bookkeeping: the audit log skips them.)
CREATE OR REPLACE FUNCTION auth.record_key_uses(key_hashes bytea[], used_at timestamptz[]) RETURNS integer
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
    WITH uses AS (
        SELECT u.h, pg_catalog.max(u.t) AS t
        FROM ROWS FROM (pg_catalog.unnest(record_key_uses.key_hashes), pg_catalog.unnest(record_key_uses.used_at)) u (h, t)
        WHERE u.h IS NOT NULL AND u.t IS NOT NULL
        GROUP BY u.h
    ), noted AS (
        UPDATE orchestrator.api_keys k SET last_used_at = uses.t
        FROM uses
        WHERE k.key_hash = uses.h AND (k.last_used_at IS NULL OR k.last_used_at < uses.t)
        RETURNING 1
    )
    SELECT pg_catalog.count(*)::integer FROM noted
$$;
COMMENT ON FUNCTION auth.record_key_uses(bytea[], timestamptz[]) IS
'Records the last use of API keys (their SHA-256 hashes and when each was used; pairs by position): last_used_at moves forward only. Returns how many keys it changed. The gateway calls it every few seconds (AIO_KEY_USE_FLUSH_S) with the keys its requests used, so requests themselves write nothing.
Example: SELECT auth.record_key_uses(key_hashes => ARRAY[orchestrator.key_hash(''aio_…'')], used_at => ARRAY[now()]);';

REVOKE ALL ON FUNCTION auth.authenticate_key_hash(bytea), auth.identity_for(text, uuid), auth.key_refused(bytea),
    auth.record_key_uses(bytea[], timestamptz[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth.authenticate_key_hash(bytea), auth.identity_for(text, uuid), auth.key_refused(bytea),
    auth.record_key_uses(bytea[], timestamptz[]) TO aio_gateway;
REVOKE ALL ON auth.key_identities FROM PUBLIC;
GRANT SELECT ON auth.key_identities TO aio_gateway;

-- The node rule, in the tables: a request made with a node key acts only as its own node.
CREATE OR REPLACE FUNCTION orchestrator.enforce_node_identity() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    own_node text := pg_catalog.current_setting('aio.node_id', true);
BEGIN
    IF pg_catalog.current_setting('role') = 'aio_node'
       AND (own_node IS NULL OR own_node = '' OR NEW.node_id IS DISTINCT FROM own_node::uuid) THEN
        RAISE EXCEPTION 'node_id: a node key may only act as its own node %', coalesce(NULLIF(own_node, ''), '(none)')
            USING ERRCODE = 'insufficient_privilege', COLUMN = 'node_id';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION orchestrator.enforce_node_identity() IS
'Trigger: when the request runs as aio_node, the row''s node_id must be the node of its key (setting aio.node_id); else 42501.';

-- What a node key may record: artifacts of tools meant for it (targeted at its node) or for any
-- node (no target). A tool pinned to another node is that node's business.
CREATE OR REPLACE FUNCTION orchestrator.enforce_node_tool() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT FROM orchestrator.tools t
               WHERE t.tool_id = NEW.tool_id AND t.target_node_id IS DISTINCT FROM NEW.node_id AND t.target_node_id IS NOT NULL) THEN
        RAISE EXCEPTION 'tool_id: tool % is targeted at another node; a node key may record artifacts only for tools targeted at its node or at none', NEW.tool_id
            USING ERRCODE = 'insufficient_privilege', COLUMN = 'tool_id';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION orchestrator.enforce_node_tool() IS
'Trigger: when the request runs as aio_node, an artifact''s tool must be targeted at the artifact''s node (its own, by the node rule) or at no node; else 42501.';

COMMIT;
