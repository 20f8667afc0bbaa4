-- pgTAP: the data model (data/nodes, data/tools, data/tool_tags, data/artifacts)
BEGIN;
SELECT plan(103);

-- A clean slate inside this transaction, whatever other tests left behind.
DELETE FROM orchestrator.invocations; DELETE FROM orchestrator.artifacts; DELETE FROM orchestrator.tools; DELETE FROM orchestrator.nodes;

-- tables and columns -------------------------------------------------------------------
SELECT has_table('orchestrator', 'nodes', 'table orchestrator.nodes exists');
SELECT has_table('orchestrator', 'tools', 'table orchestrator.tools exists');
SELECT has_table('orchestrator', 'tool_tags', 'table orchestrator.tool_tags exists');
SELECT has_table('orchestrator', 'artifacts', 'table orchestrator.artifacts exists');

SELECT columns_are('orchestrator', 'nodes', ARRAY['node_id', 'name', 'node_type', 'address', 'status',
    'labels', 'metadata', 'created_at', 'updated_at', 'revision']);
SELECT columns_are('orchestrator', 'tools', ARRAY['tool_id', 'name', 'version', 'version_key', 'description', 'category',
    'input_schema', 'output_schema', 'target_node_id', 'status', 'metadata', 'created_at', 'updated_at', 'revision',
    'input_properties', 'output_properties', 'lease_seconds', 'retry_output_invalid']);
SELECT columns_are('orchestrator', 'tool_tags', ARRAY['tool_id', 'tag', 'created_at', 'updated_at', 'tool_name', 'tool_version_key']);
SELECT columns_are('orchestrator', 'artifacts', ARRAY['artifact_id', 'tool_id', 'node_id', 'name', 'uri', 'mime_type',
    'size_bytes', 'checksum_sha256', 'metadata', 'created_at', 'updated_at', 'revision', 'orphaned_at', 'invocation_id']);

SELECT col_type_is('orchestrator', 'nodes', 'node_id', 'uuid', 'nodes.node_id is uuid');
SELECT col_type_is('orchestrator', 'nodes', 'labels', 'jsonb', 'nodes.labels is jsonb');
SELECT col_type_is('orchestrator', 'node_heartbeats', 'last_heartbeat_at', 'timestamp with time zone', 'heartbeats live in node_heartbeats, apart from nodes');
SELECT col_type_is('orchestrator', 'nodes', 'updated_at', 'timestamp with time zone', 'nodes.updated_at is timestamp with time zone');
SELECT col_type_is('orchestrator', 'tools', 'tool_id', 'uuid', 'tools.tool_id is uuid');
SELECT col_type_is('orchestrator', 'tools', 'version', 'text', 'tools.version is text');
SELECT col_type_is('orchestrator', 'tools', 'version_key', 'text', 'tools.version_key is text');
SELECT col_type_is('orchestrator', 'tools', 'target_node_id', 'uuid', 'tools.target_node_id is uuid');
SELECT col_type_is('orchestrator', 'tools', 'input_schema', 'jsonb', 'tools.input_schema is jsonb');
SELECT col_type_is('orchestrator', 'tools', 'output_schema', 'jsonb', 'tools.output_schema is jsonb');
SELECT col_type_is('orchestrator', 'tool_tags', 'tool_id', 'uuid', 'tool_tags.tool_id is uuid');
SELECT col_type_is('orchestrator', 'tool_tags', 'tag', 'text', 'tool_tags.tag is text');
SELECT col_type_is('orchestrator', 'artifacts', 'artifact_id', 'uuid', 'artifacts.artifact_id is uuid');
SELECT col_type_is('orchestrator', 'artifacts', 'tool_id', 'uuid', 'artifacts.tool_id is uuid');
SELECT col_type_is('orchestrator', 'artifacts', 'node_id', 'uuid', 'artifacts.node_id is uuid');
SELECT col_type_is('orchestrator', 'artifacts', 'size_bytes', 'bigint', 'artifacts.size_bytes is bigint');
SELECT col_type_is('orchestrator', 'artifacts', 'created_at', 'timestamp with time zone', 'artifacts.created_at is timestamp with time zone');

-- byte-ordered ("C") columns: semver precedence and tag prefix search depend on them
SELECT is((SELECT collname::text FROM pg_attribute a JOIN pg_collation c ON c.oid = a.attcollation
           WHERE a.attrelid = 'orchestrator.tools'::regclass AND a.attname = 'version_key'), 'C', 'tools.version_key is COLLATE "C"');
SELECT is((SELECT collname::text FROM pg_attribute a JOIN pg_collation c ON c.oid = a.attcollation
           WHERE a.attrelid = 'orchestrator.tool_tags'::regclass AND a.attname = 'tag'), 'C', 'tool_tags.tag is COLLATE "C"');
SELECT is((SELECT attgenerated::text FROM pg_attribute WHERE attrelid = 'orchestrator.tools'::regclass AND attname = 'version_key'),
    's', 'tools.version_key is a stored generated column');

-- keys -------------------------------------------------------------------------------------
SELECT col_is_pk('orchestrator', 'nodes', ARRAY['node_id'], 'nodes: primary key (node_id)');
SELECT col_is_pk('orchestrator', 'tools', ARRAY['tool_id'], 'tools: primary key (tool_id)');
SELECT col_is_pk('orchestrator', 'tool_tags', ARRAY['tool_id', 'tag'], 'tool_tags: primary key (tool_id, tag)');
SELECT col_is_pk('orchestrator', 'artifacts', ARRAY['artifact_id'], 'artifacts: primary key (artifact_id)');
SELECT col_is_unique('orchestrator', 'nodes', ARRAY['name'], 'nodes: (name) is unique');
SELECT col_is_unique('orchestrator', 'tools', ARRAY['name', 'version'], 'tools: (name, version) is unique');

SELECT fk_ok('orchestrator', 'tools', 'target_node_id', 'orchestrator', 'nodes', 'node_id', 'tools.target_node_id references nodes.node_id');
SELECT fk_ok('orchestrator', 'tool_tags', 'tool_id', 'orchestrator', 'tools', 'tool_id', 'tool_tags.tool_id references tools.tool_id');
SELECT fk_ok('orchestrator', 'artifacts', 'tool_id', 'orchestrator', 'tools', 'tool_id', 'artifacts.tool_id references tools.tool_id');
SELECT fk_ok('orchestrator', 'artifacts', 'node_id', 'orchestrator', 'nodes', 'node_id', 'artifacts.node_id references nodes.node_id');

-- ON DELETE actions: n = SET NULL, c = CASCADE
SELECT is((SELECT confdeltype::text FROM pg_constraint WHERE conrelid = 'orchestrator.tools'::regclass AND conname = 'tools_target_node_id_fkey'),
    'n', 'tools.target_node_id: ON DELETE SET NULL');
SELECT is((SELECT confdeltype::text FROM pg_constraint WHERE conrelid = 'orchestrator.tool_tags'::regclass AND conname = 'tool_tags_tool_id_fkey'),
    'c', 'tool_tags.tool_id: ON DELETE CASCADE');
SELECT is((SELECT confdeltype::text FROM pg_constraint WHERE conrelid = 'orchestrator.artifacts'::regclass AND conname = 'artifacts_tool_id_fkey'),
    'n', 'artifacts.tool_id: ON DELETE SET NULL');
SELECT is((SELECT confdeltype::text FROM pg_constraint WHERE conrelid = 'orchestrator.artifacts'::regclass AND conname = 'artifacts_node_id_fkey'),
    'n', 'artifacts.node_id: ON DELETE SET NULL');

-- indexes: exactly these, with these columns -------------------------------------------
SELECT indexes_are('orchestrator', 'nodes', ARRAY['nodes_pkey', 'nodes_name_key', 'nodes_created_idx', 'nodes_type_created_idx',
    'nodes_status_created_idx', 'nodes_labels_idx', 'nodes_metadata_idx']);
SELECT indexes_are('orchestrator', 'tools', ARRAY['tools_pkey', 'tools_name_version_key', 'tools_name_version_idx',
    'tools_category_name_idx', 'tools_status_name_idx', 'tools_target_node_idx', 'tools_created_idx', 'tools_name_trgm_idx',
    'tools_input_schema_idx', 'tools_output_schema_idx', 'tools_metadata_idx',
    'tools_input_properties_idx', 'tools_output_properties_idx', 'tools_active_without_node_idx', 'tools_without_type_idx']);
SELECT indexes_are('orchestrator', 'tool_tags', ARRAY['tool_tags_pkey', 'tool_tags_tag_idx', 'tool_tags_list_idx']);
SELECT indexes_are('orchestrator', 'artifacts', ARRAY['artifacts_pkey', 'artifacts_created_idx', 'artifacts_tool_created_idx',
    'artifacts_node_created_idx', 'artifacts_mime_created_idx', 'artifacts_size_idx', 'artifacts_checksum_idx', 'artifacts_metadata_idx',
    'artifacts_invocation_idx']);

SELECT has_index('orchestrator', 'nodes', 'nodes_created_idx', ARRAY['created_at', 'node_id']);
SELECT has_index('orchestrator', 'nodes', 'nodes_type_created_idx', ARRAY['node_type', 'created_at', 'node_id']);
SELECT has_index('orchestrator', 'nodes', 'nodes_status_created_idx', ARRAY['status', 'created_at', 'node_id']);
SELECT has_index('orchestrator', 'nodes', 'nodes_labels_idx', ARRAY['labels']);
SELECT has_index('orchestrator', 'nodes', 'nodes_metadata_idx', ARRAY['metadata']);
SELECT has_index('orchestrator', 'tools', 'tools_name_version_idx', ARRAY['name', 'version_key', 'tool_id']);
SELECT has_index('orchestrator', 'tools', 'tools_category_name_idx', ARRAY['category', 'name', 'version_key', 'tool_id']);
SELECT has_index('orchestrator', 'tools', 'tools_status_name_idx', ARRAY['status', 'name', 'version_key', 'tool_id']);
SELECT has_index('orchestrator', 'tools', 'tools_target_node_idx', ARRAY['target_node_id', 'name', 'version_key', 'tool_id']);
SELECT has_index('orchestrator', 'tools', 'tools_created_idx', ARRAY['created_at']);
SELECT has_index('orchestrator', 'tools', 'tools_name_trgm_idx', ARRAY['name']);
SELECT has_index('orchestrator', 'tools', 'tools_input_schema_idx', ARRAY['input_schema']);
SELECT has_index('orchestrator', 'tools', 'tools_output_schema_idx', ARRAY['output_schema']);
SELECT has_index('orchestrator', 'tools', 'tools_metadata_idx', ARRAY['metadata']);
SELECT has_index('orchestrator', 'tool_tags', 'tool_tags_tag_idx', ARRAY['tag', 'tool_id']);
SELECT has_index('orchestrator', 'tools', 'tools_input_properties_idx', ARRAY['input_properties']);
SELECT is((SELECT attstattarget::int FROM pg_attribute WHERE attrelid = 'orchestrator.tool_tags'::regclass AND attname = 'tag'),
    1000, 'tool_tags.tag keeps statistics on up to 1,000 tags, so that rare tags are known as rare');
SELECT has_index('orchestrator', 'artifacts', 'artifacts_created_idx', ARRAY['created_at', 'artifact_id']);
SELECT has_index('orchestrator', 'artifacts', 'artifacts_tool_created_idx', ARRAY['tool_id', 'created_at', 'artifact_id']);
SELECT has_index('orchestrator', 'artifacts', 'artifacts_node_created_idx', ARRAY['node_id', 'created_at', 'artifact_id']);
SELECT has_index('orchestrator', 'artifacts', 'artifacts_mime_created_idx', ARRAY['mime_type', 'created_at', 'artifact_id']);
SELECT has_index('orchestrator', 'artifacts', 'artifacts_size_idx', ARRAY['size_bytes', 'artifact_id']);
SELECT has_index('orchestrator', 'artifacts', 'artifacts_checksum_idx', ARRAY['checksum_sha256']);
SELECT has_index('orchestrator', 'artifacts', 'artifacts_metadata_idx', ARRAY['metadata']);

SELECT index_is_type('orchestrator', 'nodes', 'nodes_labels_idx', 'gin');
SELECT index_is_type('orchestrator', 'nodes', 'nodes_metadata_idx', 'gin');
SELECT index_is_type('orchestrator', 'tools', 'tools_name_trgm_idx', 'gin');
SELECT index_is_type('orchestrator', 'tools', 'tools_input_schema_idx', 'gin');
SELECT index_is_type('orchestrator', 'tools', 'tools_output_schema_idx', 'gin');
SELECT index_is_type('orchestrator', 'tools', 'tools_metadata_idx', 'gin');
SELECT index_is_type('orchestrator', 'artifacts', 'artifacts_metadata_idx', 'gin');
SELECT is_empty($$
    SELECT i FROM unnest(ARRAY['orchestrator.tools_name_version_idx', 'orchestrator.tools_category_name_idx',
                               'orchestrator.tools_status_name_idx', 'orchestrator.tools_target_node_idx']) i
    WHERE pg_get_indexdef(i::regclass) NOT LIKE '%version_key DESC, tool_id)'
$$, 'tool list indexes hold version_key DESC, the order every tool list uses');
SELECT matches(pg_get_indexdef('orchestrator.tools_name_trgm_idx'::regclass), 'gin_trgm_ops',
    'tools_name_trgm_idx uses the trigram operator class');
SELECT is(pg_get_expr(indpred, indrelid), '(checksum_sha256 IS NOT NULL)', 'artifacts_checksum_idx is partial: only rows with a checksum')
FROM pg_index WHERE indexrelid = 'orchestrator.artifacts_checksum_idx'::regclass;

-- triggers ---------------------------------------------------------------------------------
SELECT has_trigger('orchestrator', 'nodes', 'nodes_touch_updated_at', 'nodes has trigger nodes_touch_updated_at');
SELECT has_trigger('orchestrator', 'tools', 'tools_touch_updated_at', 'tools has trigger tools_touch_updated_at');
SELECT has_trigger('orchestrator', 'tool_tags', 'tool_tags_touch_updated_at', 'tool_tags has trigger tool_tags_touch_updated_at');
SELECT has_trigger('orchestrator', 'artifacts', 'artifacts_touch_updated_at', 'artifacts has trigger artifacts_touch_updated_at');
SELECT trigger_is('orchestrator', 'nodes', 'nodes_touch_updated_at', 'orchestrator', 'touch_updated_at');
SELECT trigger_is('orchestrator', 'tools', 'tools_touch_updated_at', 'orchestrator', 'touch_updated_at');
SELECT trigger_is('orchestrator', 'tool_tags', 'tool_tags_touch_updated_at', 'orchestrator', 'touch_updated_at');
SELECT trigger_is('orchestrator', 'artifacts', 'artifacts_touch_updated_at', 'orchestrator', 'touch_updated_at');
SELECT is_empty($$
    SELECT tgname FROM pg_trigger
    WHERE tgname IN ('nodes_touch_updated_at', 'tools_touch_updated_at', 'tool_tags_touch_updated_at', 'artifacts_touch_updated_at')
      AND tgtype <> (1 | 2 | 16)  -- ROW | BEFORE | UPDATE
$$, 'the updated_at triggers fire BEFORE UPDATE FOR EACH ROW');

-- behaviour: updated_at ---------------------------------------------------------------------
INSERT INTO orchestrator.nodes (node_id, node_type, address, created_at, updated_at)
VALUES ('00000000-0000-0000-0000-00000000000a', 'TOOL_EXECUTOR', 'http://a', '2000-01-01 00:00+00', '2000-01-01 00:00+00');
INSERT INTO orchestrator.tools (tool_id, name, version, category, target_node_id, created_at, updated_at)
VALUES ('00000000-0000-0000-0000-00000000000b', 'tap-tool', '1.0.0', 'NLP', '00000000-0000-0000-0000-00000000000a',
        '2000-01-01 00:00+00', '2000-01-01 00:00+00');
INSERT INTO orchestrator.tool_tags (tool_id, tag, created_at, updated_at)
VALUES ('00000000-0000-0000-0000-00000000000b', 'nlp', '2000-01-01 00:00+00', '2000-01-01 00:00+00');
INSERT INTO orchestrator.artifacts (artifact_id, tool_id, node_id, name, uri, created_at, updated_at)
VALUES ('00000000-0000-0000-0000-00000000000c', '00000000-0000-0000-0000-00000000000b', '00000000-0000-0000-0000-00000000000a',
        'out', 's3://b/out', '2000-01-01 00:00+00', '2000-01-01 00:00+00');

UPDATE orchestrator.nodes SET status = 'INACTIVE';
UPDATE orchestrator.tools SET status = 'INACTIVE';
UPDATE orchestrator.tool_tags SET tag = 'nlp-core';
UPDATE orchestrator.artifacts SET size_bytes = 1, updated_at = '1999-01-01 00:00+00';
SELECT is((SELECT ROW(created_at, updated_at)::text FROM orchestrator.nodes), ROW('2000-01-01 00:00+00'::timestamptz, now())::text,
    'nodes: an UPDATE sets updated_at to now and leaves created_at');
SELECT is((SELECT ROW(created_at, updated_at)::text FROM orchestrator.tools), ROW('2000-01-01 00:00+00'::timestamptz, now())::text,
    'tools: an UPDATE sets updated_at to now and leaves created_at');
SELECT is((SELECT ROW(created_at, updated_at)::text FROM orchestrator.tool_tags), ROW('2000-01-01 00:00+00'::timestamptz, now())::text,
    'tool_tags: an UPDATE sets updated_at to now and leaves created_at');
SELECT is((SELECT ROW(created_at, updated_at)::text FROM orchestrator.artifacts), ROW('2000-01-01 00:00+00'::timestamptz, now())::text,
    'artifacts: an UPDATE sets updated_at to now, even when it tries to set it');

-- behaviour: checks written into the tables, for rows that bypass the api -------------------
SELECT throws_ok($$ INSERT INTO orchestrator.tool_tags (tool_id, tag) VALUES ('00000000-0000-0000-0000-00000000000b', 'NLP') $$,
    '23514', 'new row for relation "tool_tags" violates check constraint "tool_tags_tag_format"', 'an upper-case tag inserted directly: 23514');
SELECT throws_ok($$ INSERT INTO orchestrator.tool_tags (tool_id, tag) VALUES ('00000000-0000-0000-0000-00000000000b', '-nlp') $$,
    '23514', NULL, 'a tag starting with - : 23514');
SELECT throws_ok($$ INSERT INTO orchestrator.tool_tags (tool_id, tag) VALUES ('00000000-0000-0000-0000-00000000000b', repeat('t', 65)) $$,
    '23514', NULL, 'a 65-character tag: 23514');
SELECT lives_ok($$ INSERT INTO orchestrator.tool_tags (tool_id, tag) VALUES ('00000000-0000-0000-0000-00000000000b', 'a.b_c:d-9') $$,
    'a tag of every allowed kind of character');
SELECT throws_ok($$ INSERT INTO orchestrator.tools (name, version, category) VALUES ('tap-tool', 'v1.0.0', 'NLP') $$,
    '23514', 'new row for relation "tools" violates check constraint "tools_version_semver"', 'a version that is not semver: 23514');

-- behaviour: version_key follows semver precedence (the example list of semver.org, shuffled)
INSERT INTO orchestrator.tools (name, version, category)
SELECT 'tap-semver', v, 'NLP'
FROM unnest(ARRAY['1.0.0-beta.11', '2.0.0', '1.0.0-alpha.beta', '1.10.0', '1.0.0', '1.0.0-alpha', '1.0.0-rc.1',
                  '1.9.0', '1.0.0-beta', '1.0.0-alpha.1', '1.0.0-beta.2', '0.9.9+build.7']) v;
SELECT is((SELECT array_agg(version ORDER BY version_key) FROM orchestrator.tools WHERE name = 'tap-semver'),
    ARRAY['0.9.9+build.7', '1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11',
          '1.0.0-rc.1', '1.0.0', '1.9.0', '1.10.0', '2.0.0'],
    'ORDER BY version_key is semver precedence');

-- behaviour: ON DELETE actions ---------------------------------------------------------------
DELETE FROM orchestrator.tools WHERE tool_id = '00000000-0000-0000-0000-00000000000b';
SELECT is((SELECT count(*)::int FROM orchestrator.tool_tags WHERE tool_id = '00000000-0000-0000-0000-00000000000b'), 0,
    'deleting a tool deletes its tags (CASCADE)');
SELECT is((SELECT tool_id FROM orchestrator.artifacts WHERE artifact_id = '00000000-0000-0000-0000-00000000000c'), NULL,
    'deleting a tool orphans its artifacts (SET NULL)');
UPDATE orchestrator.tools SET target_node_id = '00000000-0000-0000-0000-00000000000a' WHERE name = 'tap-semver';
DELETE FROM orchestrator.nodes WHERE node_id = '00000000-0000-0000-0000-00000000000a';
SELECT is((SELECT count(*)::int FROM orchestrator.tools WHERE name = 'tap-semver' AND target_node_id IS NULL), 12,
    'deleting a node leaves its tools without a target node (SET NULL)');
SELECT is((SELECT node_id FROM orchestrator.artifacts WHERE artifact_id = '00000000-0000-0000-0000-00000000000c'), NULL,
    'deleting a node leaves its artifacts without a node (SET NULL)');

SELECT * FROM finish();
ROLLBACK;
