-- Deploy ai-orchestrator:idempotency
-- requires: data/helpers auth/authenticate
-- Idempotency-Key: the first response to a create is stored with a hash of its request, in the
-- same transaction as the write, so that a retry gets the same answer and no second write.
BEGIN;
SET LOCAL ROLE aio_owner;

CREATE TABLE orchestrator.idempotency_keys (
    principal      text        NOT NULL,
    idempotency_key text       NOT NULL,
    request_hash   text        NOT NULL,
    status         integer,
    response       text,
    created_at     timestamptz NOT NULL DEFAULT pg_catalog.now(),
    updated_at     timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT idempotency_keys_pkey PRIMARY KEY (principal, idempotency_key),
    CONSTRAINT idempotency_keys_key_format CHECK (length(idempotency_key) BETWEEN 1 AND 255)
);
COMMENT ON TABLE orchestrator.idempotency_keys IS
'Responses to creates made with an Idempotency-Key, per caller (principal), kept for replay until purged (24 h by default).';
COMMENT ON CONSTRAINT idempotency_keys_key_format ON orchestrator.idempotency_keys IS
'idempotency_key: must be 1 to 255 characters';
CREATE INDEX idempotency_keys_created_idx ON orchestrator.idempotency_keys (created_at);
CREATE TRIGGER idempotency_keys_touch_updated_at BEFORE UPDATE ON orchestrator.idempotency_keys
    FOR EACH ROW EXECUTE FUNCTION orchestrator.touch_updated_at();

-- Who a key belongs to: the API key, the token subject, or the role (psql).
CREATE FUNCTION orchestrator.principal() RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT coalesce(NULLIF(pg_catalog.current_setting('aio.key_id', true), ''),
                    'sub:' || NULLIF(pg_catalog.current_setting('aio.subject', true), ''),
                    'role:' || CASE pg_catalog.current_setting('role') WHEN 'none' THEN SESSION_USER
                                    ELSE pg_catalog.current_setting('role') END)
$$;
COMMENT ON FUNCTION orchestrator.principal() IS 'The caller an idempotency key belongs to.';

-- Called before the write. A first use claims the key (the row stays locked until commit, so a
-- concurrent retry waits and then replays). A reuse with the same request raises PR200 carrying the
-- stored response for the gateway to replay; with another request, PT422.
CREATE FUNCTION auth.idempotency_claim(idempotency_key text, request_hash text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
    who text := orchestrator.principal();
    stored orchestrator.idempotency_keys;
BEGIN
    INSERT INTO orchestrator.idempotency_keys (principal, idempotency_key, request_hash)
    VALUES (who, idempotency_key, request_hash)
    ON CONFLICT ON CONSTRAINT idempotency_keys_pkey DO NOTHING;
    IF FOUND THEN
        RETURN;
    END IF;
    SELECT * INTO stored FROM orchestrator.idempotency_keys k
    WHERE k.principal = who AND k.idempotency_key = idempotency_claim.idempotency_key;
    IF stored.request_hash <> request_hash THEN
        RAISE EXCEPTION 'Idempotency-Key % was used for a different request', pg_catalog.quote_literal(idempotency_key)
            USING ERRCODE = 'PT422', COLUMN = 'Idempotency-Key',
                  HINT = 'Use a new key for a new request; a key may be retried only with the same request.';
    END IF;
    RAISE EXCEPTION 'replay' USING ERRCODE = 'PR200',
        DETAIL = pg_catalog.json_build_object('status', stored.status, 'body', stored.response)::text;
END
$$;
COMMENT ON FUNCTION auth.idempotency_claim(text, text) IS
'Claims an idempotency key for the caller before a create; PR200 (with the stored status and body in DETAIL) when the same request was already answered, PT422 when the key was used for another request.';

-- A secret is never stored for replay: the only one any api function returns is the "key" of a
-- new API key (api.new_api_key), so a replay of a key creation answers without it. The caller
-- gets the full response once, from this call.
CREATE FUNCTION auth.idempotency_complete(idempotency_key text, status integer, response text) RETURNS text
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = '' AS $$
    UPDATE orchestrator.idempotency_keys k SET status = idempotency_complete.status,
        response = CASE WHEN pg_catalog.strpos(idempotency_complete.response, '"key"') > 0
                             AND pg_catalog.jsonb_typeof(idempotency_complete.response::jsonb) = 'object'
                        THEN (idempotency_complete.response::jsonb - 'key')::text
                        ELSE idempotency_complete.response END
    WHERE k.principal = orchestrator.principal() AND k.idempotency_key = idempotency_complete.idempotency_key
    RETURNING idempotency_complete.response
$$;
COMMENT ON FUNCTION auth.idempotency_complete(text, integer, text) IS
'Stores the response of a create made with an idempotency key, in the create''s own transaction, without a new API key''s secret (member "key"); returns the response as given.';

REVOKE ALL ON FUNCTION auth.idempotency_claim(text, text), auth.idempotency_complete(text, integer, text) FROM PUBLIC;
-- Called by the request's own role, after the gateway switched to it.
GRANT USAGE ON SCHEMA auth TO aio_writer, aio_node;
GRANT EXECUTE ON FUNCTION auth.idempotency_claim(text, text), auth.idempotency_complete(text, integer, text)
    TO aio_writer, aio_node;

COMMIT;
