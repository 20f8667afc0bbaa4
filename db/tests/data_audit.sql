-- pgTAP: data/audit (inserts and deletes audited once per statement, updates per row)
BEGIN;
SELECT plan(11);

SELECT has_trigger('orchestrator', 'artifacts', 'artifacts_audit_insert', 'inserts into artifacts are audited by a statement trigger');
SELECT has_trigger('orchestrator', 'artifacts', 'artifacts_audit_delete', 'deletes from artifacts are audited by a statement trigger');
SELECT trigger_is('orchestrator', 'artifacts', 'artifacts_audit', 'orchestrator', 'audit_change', 'updates stay audited per row');
SELECT is((SELECT count(*)::int FROM pg_trigger WHERE tgname LIKE '%\_audit\_insert' AND tgrelid::regclass::text LIKE 'orchestrator.%'),
    7, 'every audited table has its insert statement trigger');

SELECT set_config('aio.request_id', 'audit-statements-test', true);
CREATE TEMP TABLE made AS
SELECT artifact_id, name FROM api.artifact_create_batch(artifacts => '[{"name": "a.bin", "uri": "s3://audit/a"},
    {"name": "b.bin", "uri": "s3://audit/b"}, {"name": "c.bin", "uri": "s3://audit/c"}]');
SELECT is((SELECT count(*)::int FROM orchestrator.audit_log l JOIN made m ON l.row_key = m.artifact_id::text
           WHERE l.table_name = 'artifacts' AND l.action = 'INSERT'), 3, 'a batch of three: three audit rows');
SELECT is((SELECT l.changes->>'uri' FROM orchestrator.audit_log l JOIN made m ON l.row_key = m.artifact_id::text
           WHERE l.action = 'INSERT' AND m.name = 'b.bin'), 's3://audit/b', 'each holds its own row');
SELECT is((SELECT array_agg(DISTINCT l.request_id) FROM orchestrator.audit_log l JOIN made m ON l.row_key = m.artifact_id::text),
    ARRAY['audit-statements-test'], 'and the request id');

UPDATE orchestrator.artifacts SET size_bytes = 7 WHERE artifact_id IN (SELECT artifact_id FROM made);
SELECT is((SELECT count(*)::int FROM orchestrator.audit_log l JOIN made m ON l.row_key = m.artifact_id::text
           WHERE l.action = 'UPDATE'), 3, 'an update of three: three audit rows');

DELETE FROM orchestrator.artifacts WHERE artifact_id IN (SELECT artifact_id FROM made);
SELECT is((SELECT count(*)::int FROM orchestrator.audit_log l JOIN made m ON l.row_key = m.artifact_id::text
           WHERE l.action = 'DELETE'), 3, 'a delete of three: three audit rows');

CREATE TEMP TABLE tagged AS
SELECT tool_id FROM api.tool_create(name => 'audit-statements', version => '1.0.0', category => 'NLP', tags => '{x,y}');
SELECT is((SELECT array_agg(l.row_key ORDER BY l.row_key) FROM orchestrator.audit_log l, tagged t
           WHERE l.table_name = 'tool_tags' AND l.action = 'INSERT' AND l.row_key LIKE t.tool_id || '/%'),
    (SELECT ARRAY[t.tool_id || '/x', t.tool_id || '/y'] FROM tagged t), 'a composite key is written key/key, as before');

SELECT is_empty($$ SELECT FROM orchestrator.audit_log WHERE table_name = 'api_keys' AND changes ? 'key_hash' $$,
    'no key hash in the audit log');

SELECT * FROM finish();
ROLLBACK;
