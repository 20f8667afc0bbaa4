-- Verify ai-orchestrator:roles
SELECT 1 / count(*) FROM pg_catalog.pg_roles WHERE rolname = 'aio_owner';
SELECT 1 / count(*) FROM pg_catalog.pg_roles WHERE rolname = 'aio_api';
SELECT 1 / count(*) FROM pg_catalog.pg_roles WHERE rolname = 'aio_bi';
SELECT 1 / count(*) FROM pg_catalog.pg_roles WHERE rolname = 'aio_gateway' AND rolcanlogin AND NOT rolinherit;
SELECT 1 / count(*) FROM pg_catalog.pg_auth_members m
  JOIN pg_catalog.pg_roles g ON g.oid = m.roleid AND g.rolname = 'aio_api'
  JOIN pg_catalog.pg_roles u ON u.oid = m.member AND u.rolname = 'aio_gateway';
