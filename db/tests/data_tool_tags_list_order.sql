-- pgTAP: data/tool_tags_list_order (tag rows carry their tool's list order)
BEGIN;
SELECT plan(9);

SELECT has_index('orchestrator', 'tool_tags', 'tool_tags_list_idx', ARRAY['tag', 'tool_name', 'tool_version_key', 'tool_id']);

CREATE TEMP TABLE made AS
SELECT tool_id FROM api.tool_create(name => 'tag-order-tool', version => '1.2.0', category => 'NLP', tags => '{alpha,beta}');
SELECT is((SELECT array_agg(DISTINCT g.tool_name || ' ' || g.tool_version_key) FROM orchestrator.tool_tags g JOIN made USING (tool_id)),
    (SELECT array_agg(t.name || ' ' || t.version_key) FROM orchestrator.tools t JOIN made USING (tool_id)),
    'a new tag row copies its tool''s name and version_key');

SELECT lives_ok($$ SELECT api.tool_tag_add(tool_id => (SELECT tool_id FROM made), tag_name => 'gamma') $$, 'a tag is added');
SELECT is((SELECT g.tool_name FROM orchestrator.tool_tags g JOIN made USING (tool_id) WHERE g.tag = 'gamma'),
    'tag-order-tool', 'an added tag carries the name too');

SELECT lives_ok($$ SELECT api.tool_update(tool_id => (SELECT tool_id FROM made), patch => '{"name": "tag-order-renamed", "version": "2.0.0"}') $$,
    'the tool is renamed and re-versioned');
SELECT is((SELECT array_agg(DISTINCT g.tool_name || ' ' || g.tool_version_key) FROM orchestrator.tool_tags g JOIN made USING (tool_id)),
    (SELECT array_agg(t.name || ' ' || t.version_key) FROM orchestrator.tools t JOIN made USING (tool_id)),
    'every tag row follows the rename and the new version');
SELECT is_empty($$ SELECT FROM orchestrator.audit_log l, made m
                   WHERE l.table_name = 'tool_tags' AND l.action = 'UPDATE' AND l.row_key LIKE m.tool_id || '/%' $$,
    'the copies changing is not audited as a change of the tags');

SELECT is((SELECT array_agg(tool_id ORDER BY ordinality) FROM api.tool_search_by_tag(tag_search => 'alpha') WITH ORDINALITY),
    (SELECT array_agg(l.tool_id ORDER BY l.ordinality) FROM api.tool_list("limit" => 1000) WITH ORDINALITY l
     WHERE 'alpha' = ANY(l.tags)),
    'a tag search returns the tag''s tools in list order');
SELECT is((SELECT count(*)::int FROM orchestrator.tool_tags WHERE tool_name IS NULL), 0, 'no tag row lacks its copy');

SELECT * FROM finish();
ROLLBACK;
