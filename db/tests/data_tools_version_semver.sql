-- pgTAP: data/tools_version_semver (the semver rule of tools.version, readable from pg_catalog)
BEGIN;
SELECT plan(6);

SELECT matches((SELECT pg_get_constraintdef(c.oid) FROM pg_constraint c
                WHERE c.conrelid = 'orchestrator.tools'::regclass AND c.conname = 'tools_version_semver'),
    'orchestrator\.is_semver\(version\)', 'the CHECK names the semver grammar');
SELECT is((SELECT obj_description(c.oid, 'pg_constraint') FROM pg_constraint c
           WHERE c.conrelid = 'orchestrator.tools'::regclass AND c.conname = 'tools_version_semver'),
    'version: must be a Semantic Versioning 2.0.0 version such as 1.2.3 or 2.0.0-rc.1', 'its comment is the error message');
SELECT lives_ok($$ SELECT api.tool_create(name => 'semver-rule', version => '1.0.0-rc.1+build.5', category => 'NLP') $$,
    'a semver version with pre-release and build is stored');
SELECT throws_ok($$ SELECT api.tool_create(name => 'semver-rule', version => '', category => 'NLP') $$,
    '23514', 'version: must be a Semantic Versioning 2.0.0 version such as 1.2.3 or 2.0.0-rc.1', 'an empty version: 23514');
SELECT throws_ok($$ SELECT api.tool_create(name => 'semver-rule', version => '1.01.0', category => 'NLP') $$,
    '23514', 'version: must be a Semantic Versioning 2.0.0 version such as 1.2.3 or 2.0.0-rc.1', 'a leading zero: 23514');
SELECT throws_ok($$ SELECT api.tool_create(name => 'semver-rule', version => '1.0.' || repeat('1', 260), category => 'NLP') $$,
    '23514', 'version: must be a Semantic Versioning 2.0.0 version such as 1.2.3 or 2.0.0-rc.1', 'over 256 characters: 23514');

SELECT * FROM finish();
ROLLBACK;
