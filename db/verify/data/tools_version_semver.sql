-- Verify ai-orchestrator:data/tools_version_semver
SELECT 1 / pg_catalog.strpos(pg_catalog.pg_get_constraintdef(c.oid), 'orchestrator.is_semver(version)')
FROM pg_catalog.pg_constraint c
WHERE c.conrelid = 'orchestrator.tools'::regclass AND c.conname = 'tools_version_semver' AND c.convalidated;
SELECT 1 / pg_catalog.count(*)::int FROM pg_catalog.pg_constraint c
WHERE c.conrelid = 'orchestrator.tools'::regclass AND c.conname = 'tools_version_semver'
  AND pg_catalog.obj_description(c.oid, 'pg_constraint') LIKE 'version: %';
