-- Verify ai-orchestrator:roles_rbac
SELECT 1 / pg_catalog.has_function_privilege('aio_reader', 'api.node_get(uuid)', 'EXECUTE')::int;
SELECT 1 / (NOT pg_catalog.has_function_privilege('aio_reader', 'api.node_create(text, text, text, text, jsonb, jsonb)', 'EXECUTE'))::int;
SELECT 1 / pg_catalog.has_function_privilege('aio_writer', 'api.node_create(text, text, text, text, jsonb, jsonb)', 'EXECUTE')::int;
SELECT 1 / pg_catalog.has_function_privilege('aio_admin', 'api.monitoring_db_table_sizes()', 'EXECUTE')::int;
SELECT 1 / (NOT pg_catalog.has_function_privilege('aio_anon', 'api.node_get(uuid)', 'EXECUTE'))::int;
SELECT 1 / pg_catalog.has_function_privilege('aio_node', 'api.node_heartbeat'::pg_catalog.regproc::oid, 'EXECUTE')::int;
SELECT 1 / count(*) FROM pg_catalog.pg_auth_members m
  JOIN pg_catalog.pg_roles g ON g.oid = m.roleid AND g.rolname = 'aio_writer'
  JOIN pg_catalog.pg_roles u ON u.oid = m.member AND u.rolname = 'aio_gateway';
