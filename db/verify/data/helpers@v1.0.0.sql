-- Verify ai-orchestrator:data/helpers
SELECT 'orchestrator.touch_updated_at()'::regprocedure,
       'orchestrator.check_patch(jsonb, jsonb)'::regprocedure,
       'orchestrator.raise_constraint_error(text, text, text, text, text, text, text)'::regprocedure,
       'orchestrator.check_limit(integer)'::regprocedure,
       'orchestrator.cursor_decode(text, integer)'::regprocedure;
DO $$ BEGIN
    ASSERT orchestrator.semver_key('1.10.0') COLLATE "C" > orchestrator.semver_key('1.9.0') COLLATE "C";
    ASSERT orchestrator.semver_key('1.0.0') COLLATE "C" > orchestrator.semver_key('1.0.0-rc.1') COLLATE "C";
    ASSERT orchestrator.cursor_decode(orchestrator.cursor_encode('["a", 1]'), 2) = '["a", 1]'::jsonb;
END $$;
