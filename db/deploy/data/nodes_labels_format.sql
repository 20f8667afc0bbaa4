-- Deploy ai-orchestrator:data/nodes_labels_format
-- requires: data/nodes
-- nodes_labels_format: labels is "a JSON object whose values are all strings", arrays included.
-- The JSON path of data/nodes runs in lax mode, which unwraps arrays ({"zone": ["eu-1"]} and
-- {"zone": []} pass); in strict mode an array value is an array, and is refused.
BEGIN;
SET LOCAL ROLE aio_owner;

ALTER TABLE orchestrator.nodes
    DROP CONSTRAINT nodes_labels_format,
    ADD CONSTRAINT nodes_labels_format CHECK (jsonb_typeof(labels) = 'object'
        AND NOT jsonb_path_exists(labels, 'strict $.* ? (@.type() != "string")', '{}', true)) NOT VALID;
ALTER TABLE orchestrator.nodes VALIDATE CONSTRAINT nodes_labels_format;
COMMENT ON CONSTRAINT nodes_labels_format ON orchestrator.nodes IS 'labels: must be a JSON object whose values are all strings';

COMMIT;
