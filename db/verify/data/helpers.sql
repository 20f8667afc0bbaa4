-- Verify ai-orchestrator:data/helpers
SELECT 'orchestrator.touch_updated_at()'::regprocedure,
       'orchestrator.is_semver(text)'::regprocedure,
       'orchestrator.semver_key(text)'::regprocedure,
       'orchestrator.cursor_encode(jsonb)'::regprocedure,
       'orchestrator.cursor_decode(text, integer)'::regprocedure,
       'orchestrator.check_limit(integer)'::regprocedure,
       'orchestrator.check_patch(jsonb, jsonb)'::regprocedure,
       'orchestrator.check_enum(text, text, text[])'::regprocedure;
-- A field named by the caller replaces the one the constraint's comment names.
SELECT 1 / pg_catalog.strpos(pg_catalog.pg_get_functiondef(
    'orchestrator.raise_constraint_error(text, text, text, text, text, text, text)'::regprocedure), 'regexp_replace(explained');
SELECT 1 / (p.provolatile = 's')::int FROM pg_catalog.pg_proc p WHERE p.oid = 'orchestrator.cursor_encode(jsonb)'::regprocedure;
