-- Deploy ai-orchestrator:data/tools_invocation_settings
-- requires: data/tools
-- How a tool's invocations run: the lease a claim holds past its node's last heartbeat, and
-- whether an output that fails the output_schema is retried. Constant defaults: no rewrite.
BEGIN;
SET LOCAL ROLE aio_owner;
SET LOCAL lock_timeout = '2s';

ALTER TABLE orchestrator.tools
    ADD COLUMN lease_seconds integer NOT NULL DEFAULT 30,
    ADD COLUMN retry_output_invalid boolean NOT NULL DEFAULT false,
    ADD CONSTRAINT tools_lease_seconds_range CHECK (lease_seconds BETWEEN 1 AND 3600) NOT VALID;
COMMENT ON COLUMN orchestrator.tools.lease_seconds IS
    'How long a claim of this tool''s invocations lasts past the later of the attempt''s start and its node''s last heartbeat (default 30).';
COMMENT ON COLUMN orchestrator.tools.retry_output_invalid IS
    'Whether an output that fails the output_schema is retried (RETRY_WAIT) rather than final (OUTPUT_INVALID); default false.';
COMMENT ON CONSTRAINT tools_lease_seconds_range ON orchestrator.tools IS 'lease_seconds: must be between 1 and 3600';

COMMIT;

-- Every existing row has the default; validated apart from the exclusive lock above.
BEGIN;
SET LOCAL ROLE aio_owner;
SET LOCAL lock_timeout = '2s';
ALTER TABLE orchestrator.tools VALIDATE CONSTRAINT tools_lease_seconds_range;
COMMIT;
