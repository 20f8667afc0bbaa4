-- Revert ai-orchestrator:data/nodes_labels_format
-- Back to the definition of data/nodes (lax mode).
BEGIN;
SET LOCAL ROLE aio_owner;

ALTER TABLE orchestrator.nodes
    DROP CONSTRAINT nodes_labels_format,
    ADD CONSTRAINT nodes_labels_format CHECK (jsonb_typeof(labels) = 'object'
        AND NOT jsonb_path_exists(labels, '$.* ? (@.type() != "string")'));
COMMENT ON CONSTRAINT nodes_labels_format ON orchestrator.nodes IS 'labels: must be a JSON object whose values are all strings';

COMMIT;
