-- Revert ai-orchestrator:data/tools_version_semver
-- Back to the definition of data/tools.
BEGIN;
SET LOCAL ROLE aio_owner;
SET LOCAL lock_timeout = '2s';

-- Replaced under its own name in one statement: no moment without the rule.
ALTER TABLE orchestrator.tools
    -- squawk-ignore ban-drop-constraint
    DROP CONSTRAINT tools_version_semver,
    ADD CONSTRAINT tools_version_semver CHECK (version_key IS NOT NULL AND length(version) <= 256) NOT VALID;
COMMENT ON CONSTRAINT tools_version_semver ON orchestrator.tools IS
'version: must be a Semantic Versioning 2.0.0 version such as 1.2.3 or 2.0.0-rc.1';

COMMIT;

-- The rows already there are checked in a transaction of their own, in which writes go on
-- (VALIDATE takes a SHARE UPDATE EXCLUSIVE lock); new rows are checked from the commit above.
BEGIN;
SET LOCAL ROLE aio_owner;
SET LOCAL lock_timeout = '2s';
ALTER TABLE orchestrator.tools VALIDATE CONSTRAINT tools_version_semver;
COMMIT;
