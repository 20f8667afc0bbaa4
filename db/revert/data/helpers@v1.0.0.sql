-- Revert ai-orchestrator:data/helpers
BEGIN;
DROP FUNCTION orchestrator.check_enum(text, text, text[]);
DROP FUNCTION orchestrator.check_patch(jsonb, jsonb);
DROP FUNCTION orchestrator.raise_constraint_error(text, text, text, text, text, text, text);
DROP FUNCTION orchestrator.check_limit(integer);
DROP FUNCTION orchestrator.cursor_decode(text, integer);
DROP FUNCTION orchestrator.cursor_encode(jsonb);
DROP FUNCTION orchestrator.semver_key(text);
DROP FUNCTION orchestrator.is_semver(text);
DROP FUNCTION orchestrator.touch_updated_at();
COMMIT;
