-- Revert ai-orchestrator:data/tools_version_semver
-- Back to the definition of data/tools.
BEGIN;
SET LOCAL ROLE aio_owner;

ALTER TABLE orchestrator.tools
    DROP CONSTRAINT tools_version_semver,
    ADD CONSTRAINT tools_version_semver CHECK (version_key IS NOT NULL AND length(version) <= 256) NOT VALID;
ALTER TABLE orchestrator.tools VALIDATE CONSTRAINT tools_version_semver;
COMMENT ON CONSTRAINT tools_version_semver ON orchestrator.tools IS
'version: must be a Semantic Versioning 2.0.0 version such as 1.2.3 or 2.0.0-rc.1';

COMMIT;
