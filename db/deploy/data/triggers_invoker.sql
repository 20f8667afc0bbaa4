-- Deploy ai-orchestrator:data/triggers_invoker
-- requires: data/tool_tallies data/tag_list_order data/audit_statements data/tool_deactivations
-- Trigger functions that were SECURITY DEFINER with a pinned search_path now run as the caller.
-- Only the owner may write the tables, and writes come through the api functions, which run as
-- the owner with search_path ''; every name in these bodies is qualified. A definer with its own
-- search_path saves and restores settings on every call: a trivial statement trigger of that
-- kind cost about 20% of a single artifact create (pgbench, c=8), a plain one nothing measurable.
BEGIN;
SET LOCAL ROLE aio_owner;

ALTER FUNCTION orchestrator.audit_change() SECURITY INVOKER RESET search_path;
ALTER FUNCTION orchestrator.audit_statement() SECURITY INVOKER RESET search_path;
ALTER FUNCTION orchestrator.forget_tool_deactivation() SECURITY INVOKER RESET search_path;
ALTER FUNCTION orchestrator.tag_takes_list_order() SECURITY INVOKER RESET search_path;
ALTER FUNCTION orchestrator.tool_gives_list_order() SECURITY INVOKER RESET search_path;

COMMIT;
