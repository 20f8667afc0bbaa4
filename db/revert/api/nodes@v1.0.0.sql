-- Revert ai-orchestrator:api/nodes
BEGIN;
DROP FUNCTION api.node_delete(uuid);
DROP FUNCTION api.node_update(uuid, jsonb);
DROP FUNCTION api.node_list_active(integer, text);
DROP FUNCTION api.node_list_by_type(text, integer, text);
DROP FUNCTION api.node_list(text, text, integer, text);
DROP FUNCTION api.node_get(uuid);
DROP FUNCTION api.node_create(text, text, text, text, jsonb, jsonb);
DROP FUNCTION orchestrator.node_not_found(uuid);
DROP FUNCTION orchestrator.last_heartbeat(uuid);
DROP FUNCTION orchestrator.node_out(orchestrator.nodes, timestamptz);
DROP TYPE api.node_item;
DROP TYPE api.node;
COMMIT;
