-- Verify ai-orchestrator:data/nodes_labels_format
SELECT 1 / pg_catalog.strpos(pg_catalog.pg_get_constraintdef(c.oid), 'strict $.*')
FROM pg_catalog.pg_constraint c
WHERE c.conrelid = 'orchestrator.nodes'::regclass AND c.conname = 'nodes_labels_format' AND c.convalidated;
