-- Revert ai-orchestrator:auth/authenticate to v1.1.0: authenticate_key_hash notes the use itself
-- again; statement_timeout_for is a SQL function again; the view auth.key_identities,
-- auth.key_refused and auth.record_key_uses go. The other functions of the family are the same in
-- both versions.
BEGIN;
SET LOCAL ROLE aio_owner;

CREATE OR REPLACE FUNCTION orchestrator.statement_timeout_for(role text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT s.value FROM orchestrator.settings s WHERE s.name = 'statement_timeout.' || role), '5s')
$$;

-- The gateway hashes the key itself: the secret never travels in SQL text, which the server logs on error.
CREATE OR REPLACE FUNCTION auth.authenticate_key_hash(key_hash bytea) RETURNS auth.identity
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

DROP FUNCTION auth.record_key_uses(bytea[], timestamptz[]);
DROP FUNCTION auth.key_refused(bytea);
DROP VIEW auth.key_identities;

COMMIT;
