-- Verify ai-orchestrator:idempotency
SELECT principal, idempotency_key, request_hash, status, response, created_at, updated_at
FROM orchestrator.idempotency_keys WHERE false;
SELECT 'auth.idempotency_claim(text, text)'::regprocedure, 'auth.idempotency_complete(text, integer, text)'::regprocedure;
