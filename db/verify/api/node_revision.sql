-- Verify ai-orchestrator:api/node_revision
SELECT (NULL::api.node).revision, (NULL::api.node_item).revision;
