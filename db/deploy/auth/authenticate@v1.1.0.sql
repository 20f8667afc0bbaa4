-- Deploy ai-orchestrator:auth/authenticate
-- requires: data/api_keys
-- What the gateway's login may call before it becomes the request's role, and the node rule.
BEGIN;
SET LOCAL lock_timeout = '2s';
CREATE SCHEMA auth AUTHORIZATION aio_owner;
SET LOCAL ROLE aio_owner;

COMMENT ON SCHEMA auth IS
'Authentication for the gateway login (aio_gateway): checks an API key and says which role the request runs as.';
GRANT USAGE ON SCHEMA auth TO aio_gateway;

CREATE FUNCTION orchestrator.key_hash(key text) RETURNS bytea
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
    SELECT pg_catalog.sha256(pg_catalog.convert_to(key, 'UTF8'))
$$;
COMMENT ON FUNCTION orchestrator.key_hash(text) IS 'How API keys are stored: their SHA-256.';

CREATE FUNCTION orchestrator.statement_timeout_for(role text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT s.value FROM orchestrator.settings s WHERE s.name = 'statement_timeout.' || role), '5s')
$$;
COMMENT ON FUNCTION orchestrator.statement_timeout_for(text) IS 'The statement timeout of requests made with a role (settings statement_timeout.<role>).';

CREATE TYPE auth.identity AS (
    db_role           text,
    key_id            uuid,
    node_id           uuid,
    statement_timeout text
);
COMMENT ON TYPE auth.identity IS 'Who a request is: the database role to SET, its key, its node (node keys), its statement timeout.';

-- The gateway hashes the key itself: the secret never travels in SQL text, which the server logs on error.
CREATE FUNCTION auth.authenticate_key_hash(key_hash bytea) RETURNS auth.identity
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
    k orchestrator.api_keys;
BEGIN
    SELECT * INTO k FROM orchestrator.api_keys a WHERE a.key_hash = authenticate_key_hash.key_hash;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'invalid API key' USING ERRCODE = 'invalid_authorization_specification';
    ELSIF k.revoked_at IS NOT NULL THEN
        RAISE EXCEPTION 'API key % was revoked', k.key_prefix USING ERRCODE = 'invalid_authorization_specification';
    ELSIF k.expires_at <= pg_catalog.now() THEN
        RAISE EXCEPTION 'API key % expired at %', k.key_prefix, k.expires_at USING ERRCODE = 'invalid_authorization_specification';
    END IF;
    -- Note the use at most once a minute, and never wait for another request holding the row.
    UPDATE orchestrator.api_keys a SET last_used_at = pg_catalog.now()
    WHERE a.key_id = (SELECT b.key_id FROM orchestrator.api_keys b
                      WHERE b.key_id = k.key_id AND (b.last_used_at IS NULL OR b.last_used_at < pg_catalog.now() - interval '1 minute')
                      FOR UPDATE SKIP LOCKED);
    RETURN ROW('aio_' || k.role, k.key_id, k.node_id, orchestrator.statement_timeout_for(k.role))::auth.identity;
END
$$;
COMMENT ON FUNCTION auth.authenticate_key_hash(bytea) IS
'Checks an API key given as its SHA-256 (orchestrator.key_hash) and returns the identity the request runs as. Errors: 28000 unknown, revoked or expired key.';

CREATE FUNCTION auth.identity_for(role text, node_id uuid DEFAULT NULL) RETURNS auth.identity
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

REVOKE ALL ON FUNCTION auth.authenticate_key_hash(bytea), auth.identity_for(text, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth.authenticate_key_hash(bytea), auth.identity_for(text, uuid) TO aio_gateway;

-- The node rule, in the tables: a request made with a node key acts only as its own node.
CREATE FUNCTION orchestrator.enforce_node_identity() RETURNS trigger
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

-- The WHEN clause spares every row written by anyone else a PL/pgSQL call. On heartbeats the
-- check runs AFTER the row is written: a BEFORE UPDATE row trigger locks the row first, whatever
-- its WHEN clause says, and that lock is one more WAL record on every beat.
CREATE TRIGGER node_heartbeats_node_identity AFTER INSERT OR UPDATE ON orchestrator.node_heartbeats
    FOR EACH ROW WHEN (pg_catalog.current_setting('role') = 'aio_node')
    EXECUTE FUNCTION orchestrator.enforce_node_identity();
CREATE TRIGGER artifacts_node_identity BEFORE INSERT OR UPDATE ON orchestrator.artifacts
    FOR EACH ROW WHEN (pg_catalog.current_setting('role') = 'aio_node')
    EXECUTE FUNCTION orchestrator.enforce_node_identity();

-- What a node key may record: artifacts of tools meant for it (targeted at its node) or for any
-- node (no target). A tool pinned to another node is that node's business.
CREATE FUNCTION orchestrator.enforce_node_tool() RETURNS trigger
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
CREATE TRIGGER artifacts_node_tool BEFORE INSERT OR UPDATE ON orchestrator.artifacts
    FOR EACH ROW WHEN (pg_catalog.current_setting('role') = 'aio_node' AND NEW.tool_id IS NOT NULL)
    EXECUTE FUNCTION orchestrator.enforce_node_tool();

COMMIT;
