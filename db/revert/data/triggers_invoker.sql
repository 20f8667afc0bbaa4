-- Revert ai-orchestrator:data/triggers_invoker
BEGIN;
SET LOCAL ROLE aio_owner;

ALTER FUNCTION orchestrator.audit_change() SECURITY DEFINER SET search_path = '';
ALTER FUNCTION orchestrator.audit_statement() SECURITY DEFINER SET search_path = '';
ALTER FUNCTION orchestrator.forget_tool_deactivation() SET search_path = '';
ALTER FUNCTION orchestrator.tag_takes_list_order() SET search_path = '';
ALTER FUNCTION orchestrator.tool_gives_list_order() SECURITY DEFINER SET search_path = '';

COMMIT;
