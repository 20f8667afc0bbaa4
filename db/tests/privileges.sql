-- pgTAP: the privilege matrix (roles_rbac), API keys, authentication, the node rule and the audit log
BEGIN;
SELECT plan(132);

-- The design, written down: for each api function the least request role that may execute it
-- (each role has the rights of those before it: anon < reader < writer < admin), and whether a
-- node key may. A new api function without a line here fails the first test.
CREATE TEMP TABLE expected_grants (fn text PRIMARY KEY, least text NOT NULL, node boolean NOT NULL DEFAULT false,
    CHECK (least IN ('anon', 'reader', 'writer', 'admin')));
INSERT INTO expected_grants (fn, least, node) VALUES
    ('service_info',                           'anon',   true),
    ('health',                                 'anon',   true),
    ('stats_summary',                          'reader', false),
    ('node_get',                               'reader', true),
    ('node_list',                              'reader', false),
    ('node_list_by_type',                      'reader', false),
    ('node_list_active',                       'reader', false),
    ('tool_get',                               'reader', true),
    ('tool_get_by_name',                       'reader', true),
    ('tool_list',                              'reader', true),
    ('tool_list_active',                       'reader', false),
    ('tool_list_by_category',                  'reader', false),
    ('tool_versions',                          'reader', false),
    ('tool_search_by_tag',                     'reader', false),
    ('artifact_get',                           'reader', false),
    ('artifact_list',                          'reader', false),
    ('artifact_list_by_tool',                  'reader', false),
    ('artifact_list_large',                    'reader', false),
    ('queries_active_tools_with_nodes',        'reader', false),
    ('queries_tools_by_category_with_tags',    'reader', false),
    ('queries_node_health_status',             'reader', false),
    ('queries_large_artifacts_by_tool',        'reader', false),
    ('queries_search_tools_by_schema',         'reader', false),
    ('json_schema_validate',                   'reader', true),
    ('json_schema_check',                      'reader', true),
    ('tool_validate',                          'reader', true),
    ('maintenance_tools_without_nodes',        'reader', false),
    ('monitoring_storage_usage_by_category',   'reader', false),
    ('monitoring_tool_usage_statistics',       'reader', false),
    ('monitoring_data_integrity',              'reader', false),
    ('node_create',                            'writer', false),
    ('node_update',                            'writer', false),
    ('node_delete',                            'writer', false),
    ('node_heartbeat',                         'writer', true),
    ('tool_create',                            'writer', false),
    ('tool_update',                            'writer', false),
    ('tool_delete',                            'writer', false),
    ('tool_tag_add',                           'writer', false),
    ('tool_tag_remove',                        'writer', false),
    ('artifact_create',                        'writer', true),
    ('artifact_create_batch',                  'writer', true),
    ('artifact_delete',                        'writer', false),
    ('maintenance_cleanup_orphaned_artifacts', 'admin',  false),
    ('maintenance_update_tool_status',         'admin',  false),
    ('maintenance_refresh_reporting',          'admin',  false),
    ('maintenance_purge_idempotency_keys',     'admin',  false),
    ('monitoring_db_table_sizes',              'admin',  false),
    ('monitoring_db_index_usage',              'admin',  false),
    ('monitoring_db_cache_hit_ratio',          'admin',  false),
    ('monitoring_db_long_running_queries',     'admin',  false),
    ('monitoring_db_lock_waits',               'admin',  false),
    ('monitoring_db_vacuum_status',            'admin',  false),
    ('monitoring_db_slow_statements',          'admin',  false),
    ('api_key_create',                         'admin',  false),
    ('api_key_list',                           'admin',  false),
    ('api_key_revoke',                         'admin',  false),
    ('audit_list',                             'admin',  false),
    ('audit_purge',                            'admin',  false),
    ('invocation_get',                         'reader', true),
    ('node_agent_list',                        'reader', true),
    ('invocation_queue',                       'reader', false),
    ('invocation_list',                        'reader', false),
    ('artifact_lineage',                       'reader', false),
    ('invocation_submit',                      'writer', false),
    ('invocation_cancel',                      'writer', false),
    ('node_claim',                             'admin',  true),
    ('invocation_complete',                    'admin',  true),
    ('invocation_complete_batch',              'admin',  true),
    ('invocation_fail',                        'admin',  true),
    ('invocation_release',                     'admin',  true),
    ('invocations_sweep',                      'admin',  false),
    ('invocations_purge',                      'admin',  false),
    ('tool_invocation_settings_get',           'reader', false),
    ('tool_invocation_settings_update',        'writer', false);

-- Which levels each role holds; node rights come from the node column only.
CREATE TEMP TABLE role_levels (rolname text PRIMARY KEY, levels text[] NOT NULL, by_node_column boolean NOT NULL DEFAULT false);
INSERT INTO role_levels VALUES
    ('aio_anon',    '{anon}', false),
    ('aio_reader',  '{anon,reader}', false),
    ('aio_writer',  '{anon,reader,writer}', false),
    ('aio_admin',   '{anon,reader,writer,admin}', false),
    ('aio_api',     '{anon,reader,writer,admin}', false),
    ('aio_node',    '{}', true),
    ('aio_bi',      '{}', false),
    ('aio_gateway', '{}', false),
    ('public',      '{}', false);

-- 1. the expected table and pg_proc name the same functions -------------------------------------
SELECT set_eq(
    $$ SELECT p.proname::text FROM pg_proc p WHERE p.pronamespace = 'api'::regnamespace $$,
    $$ SELECT fn FROM expected_grants $$,
    'the expected privileges name every api function, and only api functions');
SELECT is((SELECT count(*)::int FROM expected_grants), 74, 'the matrix covers 74 api functions');

-- 2. the matrix: one test per role, listing every function where EXECUTE is not as designed ------
SELECT is_empty(format($$
    SELECT e.fn, r.levels, e.least, e.node,
           has_function_privilege(%1$L, p.oid, 'EXECUTE') AS actual
    FROM expected_grants e
    JOIN pg_proc p ON p.proname = e.fn AND p.pronamespace = 'api'::regnamespace
    JOIN role_levels r ON r.rolname = %1$L
    WHERE has_function_privilege(%1$L, p.oid, 'EXECUTE')
          IS DISTINCT FROM (CASE WHEN r.by_node_column THEN e.node ELSE e.least = ANY (r.levels) END)
    $$, rolname),
    format('%s: EXECUTE on every api function exactly as designed', rolname))
FROM role_levels ORDER BY rolname;

SELECT ok(has_function_privilege('aio_anon', 'api.health()', 'EXECUTE')
          AND NOT has_function_privilege('aio_anon', 'api.stats_summary()', 'EXECUTE'),
    'sanity: the matrix query sees a grant and a missing grant');

-- 3. the gateway login, BI, PUBLIC ----------------------------------------------------------
SELECT ok(has_function_privilege('aio_gateway', 'auth.authenticate_key_hash(bytea)', 'EXECUTE'),
    'aio_gateway may execute auth.authenticate_key_hash');
SELECT ok(has_function_privilege('aio_gateway', 'auth.identity_for(text, uuid)', 'EXECUTE'),
    'aio_gateway may execute auth.identity_for');
SELECT ok(has_schema_privilege('aio_gateway', 'auth', 'USAGE'), 'aio_gateway may use schema auth');
SELECT is_empty($$
    SELECT p.oid::regprocedure FROM pg_proc p
    WHERE p.pronamespace = 'api'::regnamespace AND has_function_privilege('aio_gateway', p.oid, 'EXECUTE')
$$, 'aio_gateway executes nothing in api directly (NOINHERIT: only after SET ROLE)');
SELECT ok(NOT rolinherit, 'aio_gateway does not inherit the request roles') FROM pg_roles WHERE rolname = 'aio_gateway';
SELECT is_empty($$
    SELECT p.oid::regprocedure FROM pg_proc p
    WHERE p.pronamespace = 'api'::regnamespace AND has_function_privilege('aio_bi', p.oid, 'EXECUTE')
$$, 'aio_bi executes nothing in api');
SELECT is_empty($$
    SELECT p.oid::regprocedure FROM pg_proc p
    WHERE p.pronamespace IN ('api'::regnamespace, 'auth'::regnamespace) AND has_function_privilege('public', p.oid, 'EXECUTE')
$$, 'nothing in api or auth is executable by PUBLIC');
SELECT is_empty($$
    SELECT r.rolname, p.oid::regprocedure FROM pg_proc p
    CROSS JOIN unnest(ARRAY['aio_anon', 'aio_reader', 'aio_writer', 'aio_admin', 'aio_node', 'aio_bi', 'aio_api']) r(rolname)
    WHERE p.pronamespace = 'auth'::regnamespace AND has_function_privilege(r.rolname, p.oid, 'EXECUTE')
      AND p.proname NOT LIKE 'idempotency%'
$$, 'only aio_gateway (and the owner) may execute the authentication functions; no request role may');
SELECT is_empty($$
    SELECT r.rolname, p.oid::regprocedure FROM pg_proc p
    CROSS JOIN unnest(ARRAY['aio_anon', 'aio_reader', 'aio_bi', 'aio_gateway']) r(rolname)
    WHERE p.pronamespace = 'auth'::regnamespace AND p.proname LIKE 'idempotency%'
      AND has_function_privilege(r.rolname, p.oid, 'EXECUTE')
$$, 'the idempotency functions belong to the roles that create (writer, node), run inside their requests');
SELECT is_empty($$
    SELECT r.rolname FROM unnest(ARRAY['aio_anon', 'aio_reader', 'aio_bi', 'public']) r(rolname)
    WHERE has_schema_privilege(r.rolname, 'auth', 'USAGE')
$$, 'only aio_gateway and the creating roles (for idempotency) may use schema auth');

-- 4. the audit log is append-only for everyone but its owner --------------------------------
SELECT is_empty($$
    SELECT r.rolname, priv FROM (SELECT rolname, oid, rolsuper FROM pg_roles UNION ALL SELECT 'public', 0, false) r
    CROSS JOIN unnest(ARRAY['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']) priv
    WHERE NOT r.rolsuper AND r.rolname <> 'aio_owner' AND r.rolname !~ '^pg_'
      AND NOT CASE WHEN r.oid = 0 THEN false ELSE pg_has_role(r.oid, 'aio_owner', 'MEMBER') END
      AND has_table_privilege(r.rolname, 'orchestrator.audit_log', priv)
$$, 'no role but aio_owner (its members, superusers and the predefined pg_* roles aside) may INSERT, UPDATE, DELETE or TRUNCATE orchestrator.audit_log');
SELECT is_empty($$
    SELECT r.rolname FROM unnest(ARRAY['aio_anon', 'aio_reader', 'aio_writer', 'aio_admin', 'aio_node', 'aio_bi', 'aio_api', 'aio_gateway']) r(rolname)
    WHERE pg_has_role(r.rolname, 'aio_owner', 'MEMBER')
$$, 'no request, API, BI or gateway role is a member of aio_owner');
SET LOCAL ROLE aio_admin;
SELECT throws_ok($$ DELETE FROM orchestrator.audit_log $$, '42501', NULL, 'aio_admin cannot DELETE audit rows');
SELECT throws_ok($$ UPDATE orchestrator.audit_log SET db_role = 'nobody' $$, '42501', NULL, 'aio_admin cannot UPDATE audit rows');
SELECT throws_ok($$ SELECT * FROM orchestrator.api_keys $$, '42501', NULL, 'aio_admin cannot read api_keys directly');
RESET ROLE;

-- 5. the node rule: a node key acts only as its own node ---------------------------------------
DO $$ BEGIN
    PERFORM set_config('tap.node_a', node_id::text, true)
    FROM api.node_create(node_type => 'TOOL_EXECUTOR', address => 'http://10.9.0.1:8080', name => 'tap-sec-a-' || gen_random_uuid());
    PERFORM set_config('tap.node_b', node_id::text, true)
    FROM api.node_create(node_type => 'TOOL_EXECUTOR', address => 'http://10.9.0.2:8080', name => 'tap-sec-b-' || gen_random_uuid());
    PERFORM set_config('tap.tool', tool_id::text, true)
    FROM api.tool_create(name => 'tap-sec-' || left(gen_random_uuid()::text, 8), version => '1.0.0', category => 'NLP');
    PERFORM set_config('tap.tool_b', tool_id::text, true)
    FROM api.tool_create(name => 'tap-sec-b-' || left(gen_random_uuid()::text, 8), version => '1.0.0', category => 'NLP',
                         target_node_id => current_setting('tap.node_b')::uuid);
    PERFORM set_config('aio.node_id', current_setting('tap.node_a'), true);
END $$;
SET LOCAL ROLE aio_node;
SELECT lives_ok(format($$ SELECT * FROM api.node_heartbeat(node_id => %L, load => '{"cpu": 0.5}') $$, current_setting('tap.node_a')),
    'a node heartbeats its own node');
SELECT lives_ok(format($$ SELECT * FROM api.node_heartbeat(node_id => %L, status => 'MAINTENANCE') $$, current_setting('tap.node_a')),
    'a node heartbeats its own node again, changing its status');
SELECT throws_ok(format($$ SELECT * FROM api.node_heartbeat(node_id => %L) $$, current_setting('tap.node_b')),
    '42501', NULL, 'a node may not heartbeat another node');
SELECT throws_ok(format($$ SELECT * FROM api.node_heartbeat(node_id => %L, status => 'ERROR') $$, current_setting('tap.node_b')),
    '42501', NULL, 'a node may not change another node''s status through a heartbeat');
SELECT lives_ok(format($$ SELECT * FROM api.artifact_create(name => 'out.bin', uri => 's3://tap/out.bin', tool_id => %L, node_id => %L) $$,
    current_setting('tap.tool'), current_setting('tap.node_a')),
    'a node records an artifact as itself');
SELECT throws_ok(format($$ SELECT * FROM api.artifact_create(name => 'out.bin', uri => 's3://tap/out.bin', node_id => %L) $$,
    current_setting('tap.node_b')),
    '42501', NULL, 'a node may not record an artifact as another node');
SELECT throws_ok($$ SELECT * FROM api.artifact_create(name => 'out.bin', uri => 's3://tap/out.bin') $$,
    '42501', NULL, 'a node may not record an artifact without its node_id');
SELECT lives_ok(format($$ SELECT * FROM api.tool_get(tool_id => %L) $$, current_setting('tap.tool')), 'a node reads tools');
SELECT lives_ok(format($$ SELECT * FROM api.node_get(node_id => %L) $$, current_setting('tap.node_a')), 'a node reads its own node');
SELECT throws_ok(format($$ SELECT * FROM api.node_get(node_id => %L) $$, current_setting('tap.node_b')),
    '42501', 'node_id: a node key may only read its own node', 'a node may not read another node');
SELECT throws_ok(format($$ SELECT * FROM api.artifact_create(name => 'out.bin', uri => 's3://tap/b.bin', tool_id => %L, node_id => %L) $$,
    current_setting('tap.tool_b'), current_setting('tap.node_a')),
    '42501', NULL, 'a node may not record an artifact of a tool targeted at another node');
SELECT throws_ok(format($$ SELECT api.node_delete(node_id => %L) $$, current_setting('tap.node_b')),
    '42501', NULL, 'a node may not delete nodes');
SELECT throws_ok($$ SELECT * FROM api.node_list() $$, '42501', NULL, 'a node may not list nodes');
RESET ROLE;
DO $$ BEGIN PERFORM set_config('aio.node_id', '', true); END $$;
SET LOCAL ROLE aio_node;
SELECT throws_ok(format($$ SELECT * FROM api.node_heartbeat(node_id => %L) $$, current_setting('tap.node_a')),
    '42501', NULL, 'a node request without aio.node_id may not heartbeat at all');
RESET ROLE;
SET LOCAL ROLE aio_writer;
SELECT lives_ok(format($$ SELECT * FROM api.node_heartbeat(node_id => %L) $$, current_setting('tap.node_b')),
    'the node rule binds node keys only: a writer heartbeats any node');
RESET ROLE;
SELECT is((SELECT beat_count::int FROM orchestrator.node_heartbeats WHERE node_id = current_setting('tap.node_a')::uuid), 2,
    'the node''s own heartbeats were recorded');
SELECT is((SELECT status FROM orchestrator.nodes WHERE node_id = current_setting('tap.node_b')::uuid), 'ACTIVE',
    'the other node''s status is untouched');

-- 6. API keys: only a hash is stored ----------------------------------------------------------
SET LOCAL ROLE aio_admin;
SELECT lives_ok($$
    SELECT set_config('tap.key', key, true), set_config('tap.key_id', key_id::text, true)
    FROM api.api_key_create(role => 'reader', label => 'tap reader')
$$, 'an admin creates a reader key');
RESET ROLE;
SELECT matches(current_setting('tap.key'), '^aio_[0-9a-f]{64}$', 'the key is aio_ and 64 hex digits');
SELECT is((SELECT key_hash FROM orchestrator.api_keys WHERE key_id = current_setting('tap.key_id')::uuid),
    sha256(convert_to(current_setting('tap.key'), 'UTF8')), 'key_hash is sha256 of the key');
SELECT is((SELECT key_prefix FROM orchestrator.api_keys WHERE key_id = current_setting('tap.key_id')::uuid),
    left(current_setting('tap.key'), 12), 'key_prefix is the first 12 characters');
SELECT is_empty($$
    SELECT k.key_id FROM orchestrator.api_keys k
    WHERE strpos(to_jsonb(k)::text, current_setting('tap.key')) > 0
       OR strpos(to_jsonb(k)::text, substr(current_setting('tap.key'), 13)) > 0
$$, 'the key itself (nor its secret part) is nowhere in orchestrator.api_keys');
SELECT is_empty($$
    SELECT l.audit_id FROM orchestrator.audit_log l
    WHERE strpos(l.changes::text, substr(current_setting('tap.key'), 13)) > 0 OR l.changes ? 'key_hash'
$$, 'neither the key nor any key_hash is in the audit log');
SELECT is((SELECT created_by FROM orchestrator.api_keys WHERE key_id = current_setting('tap.key_id')::uuid), session_user::text,
    'a key made in psql is created_by the session user');
SELECT is((SELECT ROW(db_role, key_id, node_id)::text FROM auth.authenticate_key_hash(orchestrator.key_hash(current_setting('tap.key')))),
    ROW('aio_reader', current_setting('tap.key_id')::uuid, NULL::uuid)::text, 'authenticate_key_hash: the reader identity');
SELECT is((SELECT statement_timeout FROM auth.authenticate_key_hash(orchestrator.key_hash(current_setting('tap.key')))), '5s',
    'authenticate_key_hash: the statement timeout of the reader setting');
SELECT is((SELECT last_used_at FROM orchestrator.api_keys WHERE key_id = current_setting('tap.key_id')::uuid), NULL,
    'authenticate_key_hash writes nothing: no last use noted');
SELECT is((SELECT ROW(db_role, key_id, node_id, statement_timeout)::text FROM auth.key_identities
           WHERE key_hash = orchestrator.key_hash(current_setting('tap.key'))),
    ROW('aio_reader', current_setting('tap.key_id')::uuid, NULL::uuid, '5s')::text, 'key_identities: the reader identity, by key_hash');
SELECT ok(has_table_privilege('aio_gateway', 'auth.key_identities', 'SELECT'), 'aio_gateway may read auth.key_identities');
SELECT ok(NOT has_table_privilege('aio_reader', 'auth.key_identities', 'SELECT') AND NOT has_table_privilege('aio_admin', 'auth.key_identities', 'SELECT'),
    'request roles may not read auth.key_identities');
SELECT ok(has_function_privilege('aio_gateway', 'auth.record_key_uses(bytea[], timestamptz[])', 'EXECUTE')
          AND has_function_privilege('aio_gateway', 'auth.key_refused(bytea)', 'EXECUTE'),
    'aio_gateway may execute auth.record_key_uses and auth.key_refused');
SELECT ok(NOT has_function_privilege('aio_reader', 'auth.record_key_uses(bytea[], timestamptz[])', 'EXECUTE'),
    'a request role may not record key uses');
SELECT is(p.provolatile::text, 's', 'authenticate_key_hash is STABLE') FROM pg_proc p WHERE p.oid = 'auth.authenticate_key_hash(bytea)'::regprocedure;
SELECT is(l.lanname::text, 'sql', 'authenticate_key_hash is plain SQL') FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
WHERE p.oid = 'auth.authenticate_key_hash(bytea)'::regprocedure;

-- the key check in a read-only transaction, as on a hot standby: it writes nothing (the block
-- makes its subtransaction read-only, checks, and ends by raising PT200, which undoes the setting)
DO $$ BEGIN
    PERFORM set_config('tap.ro_key', key, true) FROM api.api_key_create(role => 'writer', label => 'tap read-only');
END $$;
SELECT throws_ok($$ DO $d$ BEGIN
    PERFORM pg_catalog.set_config('transaction_read_only', 'on', true);
    IF (SELECT db_role FROM auth.authenticate_key_hash(orchestrator.key_hash(current_setting('tap.ro_key')))) = 'aio_writer'
       AND (SELECT count(*) FROM auth.key_identities WHERE key_hash = orchestrator.key_hash(current_setting('tap.ro_key'))) = 1
       AND current_setting('transaction_read_only') = 'on' THEN
        RAISE EXCEPTION 'checked read-only' USING ERRCODE = 'PT200';
    END IF;
END $d$ $$, 'PT200', 'checked read-only',
    'authenticate_key_hash and key_identities work in a read-only transaction (a key never used before)');
SELECT is(current_setting('transaction_read_only'), 'off', 'the read-only check left the test transaction as it was');

-- record_key_uses: last use moves forward only, one write per key, unknown hashes ignored
SELECT is(auth.record_key_uses(key_hashes => ARRAY[orchestrator.key_hash(current_setting('tap.key')), orchestrator.key_hash(current_setting('tap.key')),
                                                  orchestrator.key_hash('aio_' || repeat('1', 64)), NULL],
                               used_at => ARRAY['2026-01-01 00:00:05+00', '2026-01-01 00:00:07+00', '2026-01-01 00:00:09+00', now()]::timestamptz[]),
    1, 'record_key_uses: one key changed (the later of its two uses; unknown hashes and nulls ignored)');
SELECT is((SELECT last_used_at FROM orchestrator.api_keys WHERE key_id = current_setting('tap.key_id')::uuid), '2026-01-01 00:00:07+00'::timestamptz,
    'record_key_uses: the latest use is kept');
SELECT is(auth.record_key_uses(key_hashes => ARRAY[orchestrator.key_hash(current_setting('tap.key'))], used_at => ARRAY['2025-06-01 00:00:00+00']::timestamptz[]),
    0, 'record_key_uses: an older use changes nothing');
SELECT is((SELECT last_used_at FROM orchestrator.api_keys WHERE key_id = current_setting('tap.key_id')::uuid), '2026-01-01 00:00:07+00'::timestamptz,
    'record_key_uses: last use never moves back');
SELECT is((SELECT last_used_at FROM api.api_key_list() WHERE key_id = current_setting('tap.key_id')::uuid), '2026-01-01 00:00:07+00'::timestamptz,
    'api_key_list shows the recorded last use');
SELECT is((SELECT count(*)::int FROM api.api_key_list() WHERE key_id = current_setting('tap.key_id')::uuid), 1,
    'api_key_list lists the key');
SELECT is((SELECT count(*)::int FROM api.api_key_list() l WHERE strpos(to_jsonb(l)::text, substr(current_setting('tap.key'), 13)) > 0), 0,
    'api_key_list shows no secret');

-- a node key, authenticated
DO $$ BEGIN
    PERFORM set_config('tap.node_key', key, true)
    FROM api.api_key_create(role => 'node', label => 'tap node', node_id => current_setting('tap.node_a')::uuid);
END $$;
SELECT is((SELECT ROW(db_role, node_id)::text FROM auth.authenticate_key_hash(orchestrator.key_hash(current_setting('tap.node_key')))),
    ROW('aio_node', current_setting('tap.node_a')::uuid)::text, 'a node key authenticates as aio_node with its node');

-- unknown, revoked, expired keys: 28000
SELECT throws_ok($$ SELECT * FROM auth.authenticate_key_hash(orchestrator.key_hash('aio_' || repeat('0', 64))) $$, '28000', 'invalid API key', 'an unknown key is refused');
SELECT throws_ok($$ SELECT * FROM auth.authenticate_key_hash(NULL) $$, '28000', 'invalid API key', 'a null key is refused');
SELECT lives_ok($$ SELECT api.api_key_revoke(key_id => current_setting('tap.key_id')::uuid) $$, 'the key is revoked');
SELECT throws_ok($$ SELECT * FROM auth.authenticate_key_hash(orchestrator.key_hash(current_setting('tap.key'))) $$, '28000', NULL, 'a revoked key is refused');
SELECT is((SELECT count(*)::int FROM auth.key_identities WHERE key_hash = orchestrator.key_hash(current_setting('tap.key'))), 0,
    'key_identities has no row for a revoked key');
SELECT throws_ok($$ SELECT auth.key_refused(orchestrator.key_hash(current_setting('tap.key'))) $$, '28000', NULL, 'key_refused: a revoked key, 28000');
SELECT throws_ok($$ SELECT auth.key_refused(orchestrator.key_hash('aio_' || repeat('0', 64))) $$, '28000', 'invalid API key', 'key_refused: an unknown key, 28000');
SELECT lives_ok($$ SELECT api.api_key_revoke(key_id => current_setting('tap.key_id')::uuid) $$, 'revoking twice is not an error');
SELECT is((SELECT count(*)::int FROM api.api_key_list() WHERE key_id = current_setting('tap.key_id')::uuid), 0,
    'api_key_list hides revoked keys');
SELECT is((SELECT count(*)::int FROM api.api_key_list(include_revoked => true) WHERE key_id = current_setting('tap.key_id')::uuid), 1,
    'api_key_list(include_revoked) shows them');

DO $$ BEGIN
    PERFORM set_config('tap.key2', key, true), set_config('tap.key2_id', key_id::text, true)
    FROM api.api_key_create(role => 'writer', label => 'tap expiring', expires_at => now() + interval '1 hour');
END $$;
SELECT is((SELECT db_role FROM auth.authenticate_key_hash(orchestrator.key_hash(current_setting('tap.key2')))), 'aio_writer', 'a key before its expiry works');
UPDATE orchestrator.api_keys SET expires_at = now() - interval '1 second' WHERE key_id = current_setting('tap.key2_id')::uuid;
SELECT throws_ok($$ SELECT * FROM auth.authenticate_key_hash(orchestrator.key_hash(current_setting('tap.key2'))) $$, '28000', NULL, 'an expired key is refused');
SELECT is((SELECT count(*)::int FROM auth.key_identities WHERE key_hash = orchestrator.key_hash(current_setting('tap.key2'))), 0,
    'key_identities has no row for an expired key');

-- identity_for: the roles a token may claim
SELECT is((SELECT ROW(db_role, key_id, node_id)::text FROM auth.identity_for('writer')), ROW('aio_writer', NULL::uuid, NULL::uuid)::text,
    'identity_for(writer)');
SELECT is((SELECT db_role FROM auth.identity_for('anon')), 'aio_anon', 'identity_for(anon)');
SELECT throws_ok($$ SELECT * FROM auth.identity_for('superuser') $$, '42501', NULL, 'identity_for refuses an unknown role');
SELECT throws_ok($$ SELECT * FROM auth.identity_for('owner') $$, '42501', NULL, 'identity_for refuses aio_owner''s name');
SELECT throws_ok($$ SELECT * FROM auth.identity_for(NULL) $$, '42501', NULL, 'identity_for refuses a missing role');
SELECT throws_ok($$ SELECT * FROM auth.identity_for('node') $$, '28000', NULL, 'identity_for refuses a node token without node_id');

-- 7. the audit log --------------------------------------------------------------------------
-- a request as the gateway makes it: its role, key, subject and request id in settings
DO $$ BEGIN
    PERFORM set_config('aio.key_id', current_setting('tap.key2_id'), true),
            set_config('aio.request_id', 'tap-request-' || current_setting('tap.key2_id'), true),
            set_config('aio.subject', 'tap-subject', true);
END $$;
SET LOCAL ROLE aio_writer;
DO $$ BEGIN
    PERFORM set_config('tap.audited', node_id::text, true)
    FROM api.node_create(node_type => 'TOOL_EXECUTOR', address => 'http://10.9.0.3:8080', name => 'tap-sec-audit-' || gen_random_uuid());
    PERFORM api.node_update(node_id => current_setting('tap.audited')::uuid, patch => '{"status": "INACTIVE"}');
    PERFORM api.node_delete(node_id => current_setting('tap.audited')::uuid);
END $$;
RESET ROLE;
DO $$ BEGIN
    PERFORM set_config('aio.key_id', '', true), set_config('aio.request_id', '', true), set_config('aio.subject', '', true);
END $$;

SELECT is((SELECT array_agg(ROW(action, db_role, login_role, key_id, subject, request_id)::text ORDER BY audit_id)
            FROM orchestrator.audit_log WHERE table_name = 'nodes' AND row_key = current_setting('tap.audited')),
    (SELECT array_agg(ROW(a, 'aio_writer', session_user, current_setting('tap.key2_id')::uuid, 'tap-subject',
                          'tap-request-' || current_setting('tap.key2_id'))::text ORDER BY o)
     FROM unnest(ARRAY['INSERT', 'UPDATE', 'DELETE']) WITH ORDINALITY t(a, o)),
    'insert, update and delete each leave a row with the request role, key, subject and request id');
SELECT is((SELECT changes FROM orchestrator.audit_log WHERE table_name = 'nodes' AND row_key = current_setting('tap.audited') AND action = 'UPDATE'),
    '{"status": ["ACTIVE", "INACTIVE"]}'::jsonb, 'an UPDATE row holds only the changed fields, old and new');
SELECT is((SELECT changes->>'node_id' FROM orchestrator.audit_log WHERE table_name = 'nodes' AND row_key = current_setting('tap.audited') AND action = 'DELETE'),
    current_setting('tap.audited'), 'a DELETE row holds the old row');
SELECT is((SELECT count(*)::int FROM api.audit_list(table_name => 'nodes', row_key => current_setting('tap.audited'))), 3,
    'audit_list finds the three rows by table and row');
SELECT is((SELECT array_agg(action) FROM api.audit_list(table_name => 'nodes', row_key => current_setting('tap.audited'))),
    ARRAY['DELETE', 'UPDATE', 'INSERT'], 'audit_list: newest first');
SELECT is((SELECT count(*)::int FROM api.audit_list(actor => current_setting('tap.key2_id'), table_name => 'nodes')), 3,
    'audit_list filters by actor = key id');
SELECT is((SELECT count(*)::int FROM api.audit_list(actor => 'tap-subject', table_name => 'nodes')), 3,
    'audit_list filters by actor = token subject');

-- a psql change: no role set, no request settings
UPDATE orchestrator.nodes SET labels = '{"changed": "in psql"}' WHERE node_id = current_setting('tap.node_b')::uuid;
SELECT is((SELECT array_agg(ROW(db_role, login_role, key_id, subject, request_id, changes)::text)
            FROM orchestrator.audit_log WHERE table_name = 'nodes' AND row_key = current_setting('tap.node_b') AND action = 'UPDATE'),
    ARRAY[ROW(session_user, session_user, NULL::uuid, NULL::text, NULL::text, '{"labels": [{}, {"changed": "in psql"}]}'::jsonb)::text],
    'a psql change is audited with db_role = the session user and no key or request');
UPDATE orchestrator.nodes SET updated_at = now() - interval '1 day' WHERE node_id = current_setting('tap.node_b')::uuid;
SELECT is((SELECT count(*)::int FROM orchestrator.audit_log WHERE table_name = 'nodes' AND row_key = current_setting('tap.node_b') AND action = 'UPDATE'), 1,
    'a change of updated_at alone leaves no audit row');
SELECT is((SELECT count(*)::int FROM orchestrator.audit_log WHERE table_name = 'api_keys' AND row_key = current_setting('tap.key_id')), 2,
    'a key''s creation and revocation are audited (its last use is not)');

-- audit_purge: only old rows go
INSERT INTO orchestrator.audit_log (at, db_role, login_role, table_name, row_key, action, changes) VALUES
    (now() - interval '100 days', 'tap', 'tap', 'tap_purge', 'old', 'INSERT', '{}'),
    (now() - interval '50 days',  'tap', 'tap', 'tap_purge', 'middle', 'INSERT', '{}'),
    (now() - interval '1 day',    'tap', 'tap', 'tap_purge', 'recent', 'INSERT', '{}');
DO $$ BEGIN
    PERFORM set_config('tap.before', count(*)::text, true) FROM orchestrator.audit_log WHERE at < now() - interval '90 days';
END $$;
SET LOCAL ROLE aio_admin;
SELECT is((SELECT ROW(deleted, cutoff)::text FROM api.audit_purge()),
    ROW(current_setting('tap.before')::bigint, now() - interval '90 days')::text,
    'audit_purge() deletes the rows older than audit_retention_days (90) and says how many');
RESET ROLE;
SELECT is((SELECT array_agg(row_key ORDER BY at) FROM orchestrator.audit_log WHERE table_name = 'tap_purge'), ARRAY['middle', 'recent'],
    'the 100-day-old row went, the others stayed');
SELECT is((SELECT ROW(db_role, action, (changes->>'older_than_days')::int, (changes->>'deleted')::bigint)::text
            FROM orchestrator.audit_log WHERE table_name = 'audit_log' AND row_key = (now() - interval '90 days')::text),
    ROW('aio_admin', 'PURGE', 90, current_setting('tap.before')::bigint)::text, 'a purge leaves an audit row: who, which range, how many');
SET LOCAL ROLE aio_admin;
SELECT throws_ok($$ SELECT * FROM api.audit_purge(older_than_days => 30) $$, '22023',
    'older_than_days: may not be below the audit retention of 90 days, got 30', 'audit_purge: below the retention is refused');
RESET ROLE;
SELECT is((SELECT array_agg(row_key ORDER BY at) FROM orchestrator.audit_log WHERE table_name = 'tap_purge'), ARRAY['middle', 'recent'],
    'a refused purge deleted nothing');
UPDATE orchestrator.settings SET value = '30' WHERE name = 'audit_retention_days';
SELECT is((SELECT changes->'value' FROM orchestrator.audit_log WHERE table_name = 'settings' AND row_key = 'audit_retention_days'),
    '["90", "30"]'::jsonb, 'a change of the retention is audited');
SET LOCAL ROLE aio_admin;
SELECT is((SELECT cutoff FROM api.audit_purge(older_than_days => 30)), now() - interval '30 days', 'audit_purge(30) at a retention of 30: the cutoff');
RESET ROLE;
SELECT is((SELECT array_agg(row_key) FROM orchestrator.audit_log WHERE table_name = 'tap_purge'), ARRAY['recent'],
    'audit_purge(30) took the 50-day-old row, not the recent one');
SELECT isnt((SELECT count(*)::int FROM orchestrator.audit_log WHERE table_name = 'nodes' AND row_key = current_setting('tap.audited')), 0,
    'the rows of this transaction are still there');
UPDATE orchestrator.settings SET value = '1' WHERE name = 'audit_retention_days';
SELECT is((SELECT cutoff FROM api.audit_purge()), now() - interval '1 day', 'audit_purge() follows the setting audit_retention_days');

-- 8. errors, by SQLSTATE ------------------------------------------------------------------------
SELECT throws_ok($$ SELECT api.api_key_create(role => 'root', label => 'x') $$, '23514', 'role: must be one of reader, writer, admin, node',
    'api_key_create: unknown role');
SELECT throws_ok($$ SELECT api.api_key_create(role => 'aio_admin', label => 'x') $$, '23514', NULL,
    'api_key_create: a database role name is not a key role');
SELECT throws_ok($$ SELECT api.api_key_create(role => 'reader', label => '   ') $$, '23514', 'label: must be 1 to 200 characters and not blank',
    'api_key_create: blank label');
SELECT throws_ok($$ SELECT api.api_key_create(role => 'reader', label => repeat('x', 201)) $$, '23514', NULL,
    'api_key_create: label over 200 characters');
SELECT throws_ok($$ SELECT api.api_key_create(role => 'node', label => 'x') $$, '23514', 'node_id: required for a node key, and only for a node key',
    'api_key_create: a node key without node_id');
SELECT throws_ok(format($$ SELECT api.api_key_create(role => 'reader', label => 'x', node_id => %L) $$, current_setting('tap.node_a')),
    '23514', NULL, 'api_key_create: node_id given for another role');
SELECT throws_ok($$ SELECT api.api_key_create(role => 'node', label => 'x', node_id => gen_random_uuid()) $$, '23503', 'node_id: no node has this id',
    'api_key_create: no such node');
SELECT throws_ok($$ SELECT api.api_key_create(role => 'reader', label => 'x', expires_at => now() - interval '1 minute') $$, '22023', NULL,
    'api_key_create: expires_at in the past');
SELECT throws_ok($$ SELECT api.api_key_create(role => NULL, label => 'x') $$, '23502', 'role: is required and may not be null',
    'api_key_create: null role');
SELECT throws_ok($$ SELECT api.api_key_create(role => 'reader', label => NULL) $$, '23502', 'label: is required and may not be null',
    'api_key_create: null label');
SELECT throws_ok($$ SELECT api.api_key_revoke(key_id => gen_random_uuid()) $$, 'P0002', NULL, 'api_key_revoke: no such key');
SELECT throws_ok($$ SELECT api.api_key_revoke(key_id => 'not-a-uuid') $$, '22P02', NULL, 'api_key_revoke: not a uuid');
SELECT throws_ok($$ SELECT * FROM api.api_key_list("limit" => 0) $$, '22023', NULL, 'api_key_list: limit 0');
SELECT throws_ok($$ SELECT * FROM api.api_key_list(cursor => 'zzz') $$, '22023', NULL, 'api_key_list: bad cursor');
SELECT throws_ok($$ SELECT * FROM api.audit_list("limit" => 0) $$, '22023', NULL, 'audit_list: limit 0');
SELECT throws_ok($$ SELECT * FROM api.audit_list("limit" => 1001) $$, '22023', NULL, 'audit_list: limit over 1000');
SELECT throws_ok($$ SELECT * FROM api.audit_list(cursor => 'zzz') $$, '22023', NULL, 'audit_list: bad cursor');
SELECT throws_ok($$ SELECT * FROM api.audit_list(since => 'yesterday-ish') $$, '22007', NULL, 'audit_list: since not a timestamp');
SELECT throws_ok($$ SELECT * FROM api.audit_list("until" => 'soon') $$, '22007', NULL, 'audit_list: until not a timestamp');
SELECT throws_ok($$ SELECT * FROM api.audit_purge(older_than_days => 0) $$, '22023', 'older_than_days: must be between 1 and 36500, got 0',
    'audit_purge: 0 days');
SELECT throws_ok($$ SELECT * FROM api.audit_purge(older_than_days => -5) $$, '22023', NULL, 'audit_purge: negative days');
UPDATE orchestrator.settings SET value = '0' WHERE name = 'audit_retention_days';
SELECT throws_ok($$ SELECT * FROM api.audit_purge() $$, '22023', NULL, 'audit_purge: a retention setting below 1 is refused');

SELECT * FROM finish();
ROLLBACK;
