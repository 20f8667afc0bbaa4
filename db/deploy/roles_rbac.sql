-- Deploy ai-orchestrator:roles_rbac
-- requires: roles api/heartbeats api/db_monitoring
-- Who may call what, as PostgreSQL GRANTs. The gateway switches to one of these roles per request,
-- so a DBA who grants or revokes here changes what HTTP callers may do. Here the functions deployed
-- before the request roles existed; every later change grants its own functions.
BEGIN;
SET LOCAL client_min_messages = warning;

DO $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT * FROM (VALUES
        ('aio_anon',   'unauthenticated HTTP callers: service info and health only'),
        ('aio_reader', 'may call the read (GET) api functions'),
        ('aio_writer', 'aio_reader, plus create, update and delete of nodes, tools, tags and artifacts'),
        ('aio_admin',  'aio_writer, plus maintenance, API keys, the audit log and database monitoring'),
        ('aio_node',   'a worker node''s own key: heartbeat and record artifacts only as itself, read tools')
    ) AS t(name, purpose)
    LOOP
        IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = r.name) THEN
            EXECUTE format('CREATE ROLE %I NOLOGIN', r.name);
        END IF;
        EXECUTE format('COMMENT ON ROLE %I IS %L', r.name, r.purpose);
    END LOOP;
END
$$;

GRANT aio_reader TO aio_writer;
GRANT aio_writer TO aio_admin;
-- aio_api stays the "whole API" group for DBAs and scripts: it is admin.
GRANT aio_admin TO aio_api;
GRANT USAGE ON SCHEMA api TO aio_anon, aio_reader, aio_node;
-- The gateway may become any of the request roles, and no longer the whole-API group.
GRANT aio_anon, aio_reader, aio_writer, aio_admin, aio_node TO aio_gateway;
REVOKE aio_api FROM aio_gateway;

-- Every grant below replaces the blanket grant to aio_api.
DO $$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN SELECT p.oid::regprocedure FROM pg_catalog.pg_proc p WHERE p.pronamespace = 'api'::regnamespace LOOP
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM aio_api', f);
    END LOOP;
END
$$;

GRANT EXECUTE ON FUNCTION api.service_info(), api.health() TO aio_anon, aio_reader, aio_node;

GRANT EXECUTE ON FUNCTION
    api.stats_summary(),
    api.node_get(uuid),
    api.node_list(text, text, integer, text),
    api.node_list_by_type(text, integer, text),
    api.node_list_active(integer, text),
    api.tool_get(uuid),
    api.tool_get_by_name(text, text),
    api.tool_list(text, text, uuid, text, integer, text),
    api.tool_list_active(integer, text),
    api.tool_list_by_category(text, integer, text),
    api.tool_versions(text, integer, text),
    api.tool_search_by_tag(text, integer, text),
    api.artifact_get(uuid),
    api.artifact_list(uuid, uuid, text, timestamptz, timestamptz, integer, text),
    api.artifact_list_by_tool(uuid, integer, text),
    api.artifact_list_large(bigint, integer, text)
TO aio_reader;

GRANT EXECUTE ON FUNCTION
    api.node_create(text, text, text, text, jsonb, jsonb),
    api.node_update(uuid, jsonb),
    api.node_delete(uuid),
    api.node_heartbeat(uuid, text, jsonb),
    api.tool_create(text, text, text, text, jsonb, jsonb, uuid, text, jsonb, text[]),
    api.tool_update(uuid, jsonb),
    api.tool_delete(uuid),
    api.tool_tag_add(uuid, text),
    api.tool_tag_remove(uuid, text),
    api.artifact_create(text, text, uuid, uuid, text, bigint, text, jsonb),
    api.artifact_delete(uuid)
TO aio_writer;

GRANT EXECUTE ON FUNCTION
    api.monitoring_db_table_sizes(),
    api.monitoring_db_index_usage(boolean),
    api.monitoring_db_cache_hit_ratio(),
    api.monitoring_db_long_running_queries(integer),
    api.monitoring_db_lock_waits(),
    api.monitoring_db_vacuum_status(),
    api.monitoring_db_slow_statements(integer)
TO aio_admin;

-- A node reads what it runs, beats, and records what it produced; triggers hold it to itself.
GRANT EXECUTE ON FUNCTION
    api.node_get(uuid),
    api.node_heartbeat(uuid, text, jsonb),
    api.tool_get(uuid),
    api.tool_get_by_name(text, text),
    api.tool_list(text, text, uuid, text, integer, text),
    api.artifact_create(text, text, uuid, uuid, text, bigint, text, jsonb)
TO aio_node;

COMMIT;
