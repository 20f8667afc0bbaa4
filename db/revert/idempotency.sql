-- Revert ai-orchestrator:idempotency
BEGIN;
DROP FUNCTION auth.idempotency_complete(text, integer, text);
DROP FUNCTION auth.idempotency_claim(text, text);
REVOKE USAGE ON SCHEMA auth FROM aio_writer, aio_node;
DROP FUNCTION orchestrator.principal();
DROP TABLE orchestrator.idempotency_keys;
COMMIT;
