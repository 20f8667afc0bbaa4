-- Verify ai-orchestrator:roles
SELECT 1 / count(*) FROM pg_catalog.pg_roles WHERE rolname = 'aio_owner';
SELECT 1 / count(*) FROM pg_catalog.pg_roles WHERE rolname = 'aio_api';
SELECT 1 / count(*) FROM pg_catalog.pg_roles WHERE rolname = 'aio_bi';
SELECT 1 / count(*) FROM pg_catalog.pg_roles WHERE rolname = 'aio_gateway' AND rolcanlogin AND NOT rolinherit;
-- Which roles aio_gateway may become is verified by the change that grants them (roles_rbac).
