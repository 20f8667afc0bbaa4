-- Verify ai-orchestrator:api/integrity_bounded
SELECT 'orchestrator.integrity_check_counted(text, text, bigint, text[], text)'::regprocedure;
SELECT 1 / pg_catalog.strpos(pg_catalog.pg_get_functiondef('api.monitoring_data_integrity(integer, integer)'::regprocedure), 'integrity_check_counted')::int;
