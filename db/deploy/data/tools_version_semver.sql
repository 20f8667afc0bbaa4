-- Deploy ai-orchestrator:data/tools_version_semver
-- requires: data/tools
-- tools_version_semver: the semver rule of tools.version, written in its CHECK as
-- orchestrator.is_semver(version) (the grammar of semver.org, one regular expression) rather than
-- "version_key IS NOT NULL" (which holds exactly when is_semver does): the same rule, but one that
-- reads from pg_catalog, so the gateway's OpenAPI document carries the grammar as a pattern. Same
-- name and comment as in data/tools, so errors read the same.
BEGIN;
SET LOCAL ROLE aio_owner;

ALTER TABLE orchestrator.tools
    DROP CONSTRAINT tools_version_semver,
    ADD CONSTRAINT tools_version_semver CHECK (orchestrator.is_semver(version) AND length(version) <= 256) NOT VALID;
ALTER TABLE orchestrator.tools VALIDATE CONSTRAINT tools_version_semver;
COMMENT ON CONSTRAINT tools_version_semver ON orchestrator.tools IS
'version: must be a Semantic Versioning 2.0.0 version such as 1.2.3 or 2.0.0-rc.1';

COMMIT;
