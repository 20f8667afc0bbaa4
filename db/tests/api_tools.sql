-- pgTAP: api/tools
BEGIN;
SELECT plan(196);

-- A clean slate inside this transaction, whatever other tests left behind.
DELETE FROM orchestrator.invocations; DELETE FROM orchestrator.artifacts; DELETE FROM orchestrator.tools; DELETE FROM orchestrator.nodes;

-- signatures, volatility, security ----------------------------------------------------
SELECT has_function('api', 'tool_create', ARRAY['text', 'text', 'text', 'text', 'jsonb', 'jsonb', 'uuid', 'text', 'jsonb', 'text[]']);
SELECT has_function('api', 'tool_get', ARRAY['uuid']);
SELECT has_function('api', 'tool_get_by_name', ARRAY['text', 'text']);
SELECT has_function('api', 'tool_list', ARRAY['text', 'text', 'uuid', 'text', 'integer', 'text']);
SELECT has_function('api', 'tool_list_active', ARRAY['integer', 'text']);
SELECT has_function('api', 'tool_list_by_category', ARRAY['text', 'integer', 'text']);
SELECT has_function('api', 'tool_versions', ARRAY['text', 'integer', 'text']);
SELECT has_function('api', 'tool_search_by_tag', ARRAY['text', 'integer', 'text']);
SELECT has_function('api', 'tool_update', ARRAY['uuid', 'jsonb', 'bigint']);
SELECT has_function('api', 'tool_delete', ARRAY['uuid', 'bigint']);
SELECT has_function('api', 'tool_tag_add', ARRAY['uuid', 'text']);
SELECT has_function('api', 'tool_tag_remove', ARRAY['uuid', 'text']);

SELECT function_returns('api', 'tool_create', ARRAY['text', 'text', 'text', 'text', 'jsonb', 'jsonb', 'uuid', 'text', 'jsonb', 'text[]'], 'api.tool');
SELECT function_returns('api', 'tool_get', ARRAY['uuid'], 'api.tool');
SELECT function_returns('api', 'tool_get_by_name', ARRAY['text', 'text'], 'api.tool');
SELECT function_returns('api', 'tool_list', ARRAY['text', 'text', 'uuid', 'text', 'integer', 'text'], 'setof api.tool_item');
SELECT function_returns('api', 'tool_list_active', ARRAY['integer', 'text'], 'setof api.tool_item');
SELECT function_returns('api', 'tool_list_by_category', ARRAY['text', 'integer', 'text'], 'setof api.tool_item');
SELECT function_returns('api', 'tool_versions', ARRAY['text', 'integer', 'text'], 'setof api.tool_item');
SELECT function_returns('api', 'tool_search_by_tag', ARRAY['text', 'integer', 'text'], 'setof api.tool_item');
SELECT function_returns('api', 'tool_update', ARRAY['uuid', 'jsonb', 'bigint'], 'api.tool');
SELECT function_returns('api', 'tool_delete', ARRAY['uuid', 'bigint'], 'void');
SELECT function_returns('api', 'tool_tag_add', ARRAY['uuid', 'text'], 'api.tool');
SELECT function_returns('api', 'tool_tag_remove', ARRAY['uuid', 'text'], 'void');

SELECT volatility_is('api', 'tool_get', ARRAY['uuid'], 'stable');
SELECT volatility_is('api', 'tool_get_by_name', ARRAY['text', 'text'], 'stable');
SELECT volatility_is('api', 'tool_list', ARRAY['text', 'text', 'uuid', 'text', 'integer', 'text'], 'stable');
SELECT volatility_is('api', 'tool_list_active', ARRAY['integer', 'text'], 'stable');
SELECT volatility_is('api', 'tool_list_by_category', ARRAY['text', 'integer', 'text'], 'stable');
SELECT volatility_is('api', 'tool_versions', ARRAY['text', 'integer', 'text'], 'stable');
SELECT volatility_is('api', 'tool_search_by_tag', ARRAY['text', 'integer', 'text'], 'stable');
SELECT volatility_is('api', 'tool_create', ARRAY['text', 'text', 'text', 'text', 'jsonb', 'jsonb', 'uuid', 'text', 'jsonb', 'text[]'], 'volatile');
SELECT volatility_is('api', 'tool_update', ARRAY['uuid', 'jsonb', 'bigint'], 'volatile');
SELECT volatility_is('api', 'tool_delete', ARRAY['uuid', 'bigint'], 'volatile');
SELECT volatility_is('api', 'tool_tag_add', ARRAY['uuid', 'text'], 'volatile');
SELECT volatility_is('api', 'tool_tag_remove', ARRAY['uuid', 'text'], 'volatile');

SELECT is_definer('api', 'tool_create', ARRAY['text', 'text', 'text', 'text', 'jsonb', 'jsonb', 'uuid', 'text', 'jsonb', 'text[]']);
SELECT is_definer('api', 'tool_get', ARRAY['uuid']);
SELECT is_definer('api', 'tool_get_by_name', ARRAY['text', 'text']);
SELECT is_definer('api', 'tool_list', ARRAY['text', 'text', 'uuid', 'text', 'integer', 'text']);
SELECT is_definer('api', 'tool_list_active', ARRAY['integer', 'text']);
SELECT is_definer('api', 'tool_list_by_category', ARRAY['text', 'integer', 'text']);
SELECT is_definer('api', 'tool_versions', ARRAY['text', 'integer', 'text']);
SELECT is_definer('api', 'tool_search_by_tag', ARRAY['text', 'integer', 'text']);
SELECT is_definer('api', 'tool_update', ARRAY['uuid', 'jsonb', 'bigint']);
SELECT is_definer('api', 'tool_delete', ARRAY['uuid', 'bigint']);
SELECT is_definer('api', 'tool_tag_add', ARRAY['uuid', 'text']);
SELECT is_definer('api', 'tool_tag_remove', ARRAY['uuid', 'text']);

-- privileges: the API role may execute, the BI role may not -----------------------------
SELECT function_privs_are('api', 'tool_create', ARRAY['text', 'text', 'text', 'text', 'jsonb', 'jsonb', 'uuid', 'text', 'jsonb', 'text[]'], 'aio_api', ARRAY['EXECUTE']);
SELECT function_privs_are('api', 'tool_get', ARRAY['uuid'], 'aio_api', ARRAY['EXECUTE']);
SELECT function_privs_are('api', 'tool_get_by_name', ARRAY['text', 'text'], 'aio_api', ARRAY['EXECUTE']);
SELECT function_privs_are('api', 'tool_list', ARRAY['text', 'text', 'uuid', 'text', 'integer', 'text'], 'aio_api', ARRAY['EXECUTE']);
SELECT function_privs_are('api', 'tool_list_active', ARRAY['integer', 'text'], 'aio_api', ARRAY['EXECUTE']);
SELECT function_privs_are('api', 'tool_list_by_category', ARRAY['text', 'integer', 'text'], 'aio_api', ARRAY['EXECUTE']);
SELECT function_privs_are('api', 'tool_versions', ARRAY['text', 'integer', 'text'], 'aio_api', ARRAY['EXECUTE']);
SELECT function_privs_are('api', 'tool_search_by_tag', ARRAY['text', 'integer', 'text'], 'aio_api', ARRAY['EXECUTE']);
SELECT function_privs_are('api', 'tool_update', ARRAY['uuid', 'jsonb', 'bigint'], 'aio_api', ARRAY['EXECUTE']);
SELECT function_privs_are('api', 'tool_delete', ARRAY['uuid', 'bigint'], 'aio_api', ARRAY['EXECUTE']);
SELECT function_privs_are('api', 'tool_tag_add', ARRAY['uuid', 'text'], 'aio_api', ARRAY['EXECUTE']);
SELECT function_privs_are('api', 'tool_tag_remove', ARRAY['uuid', 'text'], 'aio_api', ARRAY['EXECUTE']);
SELECT function_privs_are('api', 'tool_create', ARRAY['text', 'text', 'text', 'text', 'jsonb', 'jsonb', 'uuid', 'text', 'jsonb', 'text[]'], 'aio_bi', ARRAY[]::text[]);
SELECT function_privs_are('api', 'tool_get', ARRAY['uuid'], 'aio_bi', ARRAY[]::text[]);
SELECT function_privs_are('api', 'tool_get_by_name', ARRAY['text', 'text'], 'aio_bi', ARRAY[]::text[]);
SELECT function_privs_are('api', 'tool_list', ARRAY['text', 'text', 'uuid', 'text', 'integer', 'text'], 'aio_bi', ARRAY[]::text[]);
SELECT function_privs_are('api', 'tool_list_active', ARRAY['integer', 'text'], 'aio_bi', ARRAY[]::text[]);
SELECT function_privs_are('api', 'tool_list_by_category', ARRAY['text', 'integer', 'text'], 'aio_bi', ARRAY[]::text[]);
SELECT function_privs_are('api', 'tool_versions', ARRAY['text', 'integer', 'text'], 'aio_bi', ARRAY[]::text[]);
SELECT function_privs_are('api', 'tool_search_by_tag', ARRAY['text', 'integer', 'text'], 'aio_bi', ARRAY[]::text[]);
SELECT function_privs_are('api', 'tool_update', ARRAY['uuid', 'jsonb', 'bigint'], 'aio_bi', ARRAY[]::text[]);
SELECT function_privs_are('api', 'tool_delete', ARRAY['uuid', 'bigint'], 'aio_bi', ARRAY[]::text[]);
SELECT function_privs_are('api', 'tool_tag_add', ARRAY['uuid', 'text'], 'aio_bi', ARRAY[]::text[]);
SELECT function_privs_are('api', 'tool_tag_remove', ARRAY['uuid', 'text'], 'aio_bi', ARRAY[]::text[]);

-- behaviour, as the API role, with named arguments ------------------------------------
SET LOCAL ROLE aio_api;

-- Test fixtures: the tools made here by label, and a walker that follows a list's cursors
-- page by page (page_query has one %L for the cursor) and returns every id it was given.
CREATE TEMP TABLE made (label text PRIMARY KEY, tool_id uuid NOT NULL);
CREATE FUNCTION pg_temp.tid(label text) RETURNS uuid
LANGUAGE sql STABLE AS $$ SELECT m.tool_id FROM made m WHERE m.label = tid.label $$;
CREATE FUNCTION pg_temp.walk(page_query text) RETURNS TABLE (page integer, n integer, id uuid)
LANGUAGE plpgsql AS $$
DECLARE
    cur text;
    last_cursor text;
    row_id uuid;
BEGIN
    page := 0;
    LOOP
        page := page + 1;
        n := 0;
        FOR row_id, last_cursor IN EXECUTE format(page_query, cur) LOOP
            n := n + 1;
            id := row_id;
            RETURN NEXT;
        END LOOP;
        EXIT WHEN n = 0 OR page >= 100;
        cur := last_cursor;
    END LOOP;
END
$$;

CREATE TEMP TABLE node AS
    SELECT * FROM api.node_create(node_type => 'TOOL_EXECUTOR', address => 'http://10.0.0.7:8080', name => 'tap-tools-node');

SELECT lives_ok($$
    CREATE TEMP TABLE created AS
    SELECT * FROM api.tool_create(name => 'text-summarizer', version => '1.9.0', category => 'NLP',
                                  description => 'Summarizes text', input_schema => '{"type": "object"}',
                                  target_node_id => (SELECT node_id FROM node), tags => '{NLP,summarization,nlp}')
$$, 'tool_create creates a tool with tags');
INSERT INTO made SELECT 'sum-1.9.0', tool_id FROM created;
SELECT is((SELECT tags FROM created), ARRAY['nlp', 'summarization'], 'tags are lower-cased, merged and sorted');
SELECT is((SELECT status FROM created), 'ACTIVE', 'status defaults to ACTIVE');
SELECT is((SELECT output_schema FROM created), '{}'::jsonb, 'output_schema defaults to {}');
SELECT is((SELECT metadata FROM created), '{}'::jsonb, 'metadata defaults to {}');
SELECT is((SELECT target_node_id FROM created), (SELECT node_id FROM node), 'target_node_id is kept');

INSERT INTO made SELECT 'sum-1.10.0', tool_id
    FROM api.tool_create(name => 'text-summarizer', version => '1.10.0', category => 'NLP', tags => '{nlp-core}');
INSERT INTO made SELECT 'sum-1.10.0-rc.1', tool_id
    FROM api.tool_create(name => 'text-summarizer', version => '1.10.0-rc.1', category => 'NLP', tags => '{nlp}');
INSERT INTO made SELECT 'image', tool_id
    FROM api.tool_create(name => 'image-classifier', version => '2.0.0', category => 'VISION', status => 'INACTIVE', tags => '{vision,xnlp}');
INSERT INTO made SELECT 'sentiment', tool_id
    FROM api.tool_create(name => 'sentiment-analyzer', version => '0.1.0', category => 'ANALYSIS', status => 'DEPRECATED',
                         target_node_id => (SELECT node_id FROM node), tags => '{nlp.sentiment}');
INSERT INTO made SELECT 'embedder-b1', tool_id
    FROM api.tool_create(name => 'embedder', version => '1.0.0+build.1', category => 'EMBEDDING');
INSERT INTO made SELECT 'embedder-b2', tool_id
    FROM api.tool_create(name => 'embedder', version => '1.0.0+build.2', category => 'EMBEDDING');
INSERT INTO made SELECT 'cleaner', tool_id
    FROM api.tool_create(name => 'data-cleaner', version => '1.0.0', category => 'ANALYSIS', tags => '{tabular}');

-- get ------------------------------------------------------------------------------------
SELECT is((SELECT name || '@' || version FROM api.tool_get(tool_id => pg_temp.tid('sum-1.9.0'))),
    'text-summarizer@1.9.0', 'tool_get finds a tool');
SELECT is((SELECT tags FROM api.tool_get(tool_id => pg_temp.tid('sum-1.9.0'))), ARRAY['nlp', 'summarization'],
    'tool_get returns the tags');
SELECT is((SELECT version FROM api.tool_get_by_name(tool_name => 'text-summarizer')), '1.10.0',
    'tool_get_by_name: the latest by semver precedence (1.10.0 > 1.10.0-rc.1 > 1.9.0)');
SELECT is((SELECT tool_id FROM api.tool_get_by_name(tool_name => 'text-summarizer', version => '1.10.0-rc.1')),
    pg_temp.tid('sum-1.10.0-rc.1'), 'tool_get_by_name with a version gets that version');
SELECT is((SELECT tool_id FROM api.tool_get_by_name(tool_name => 'text-summarizer', version => '1.9.0')),
    pg_temp.tid('sum-1.9.0'), 'tool_get_by_name gets an older version too');

-- lists ---------------------------------------------------------------------------------
SELECT is((SELECT array_agg(version ORDER BY ordinality) FROM api.tool_versions(tool_name => 'text-summarizer') WITH ORDINALITY),
    ARRAY['1.10.0', '1.10.0-rc.1', '1.9.0'], 'tool_versions: newest first by semver precedence');
SELECT is((SELECT array_agg(name ORDER BY ordinality) FROM api.tool_list() WITH ORDINALITY),
    ARRAY['data-cleaner', 'embedder', 'embedder', 'image-classifier', 'sentiment-analyzer',
          'text-summarizer', 'text-summarizer', 'text-summarizer'], 'tool_list: ordered by name');
SELECT is((SELECT array_agg(version ORDER BY ordinality) FROM api.tool_list(name => 'embedder') WITH ORDINALITY),
    ARRAY['1.0.0+build.2', '1.0.0+build.1'], 'versions of equal precedence are ordered by their build metadata, newest first');
SELECT is((SELECT version FROM api.tool_get_by_name(tool_name => 'embedder')), '1.0.0+build.2',
    'tool_get_by_name: the latest of equal precedence is the last by build metadata, never a chance');
RESET ROLE;
SELECT is((SELECT array_agg(v ORDER BY orchestrator.semver_key(v) COLLATE "C")
           FROM unnest(ARRAY['1.0.1', '1.0.0+b', '1.0.0-rc.1', '1.0.0', '1.0.0-rc+b', '1.0.0+a', '1.0.0-rc']) v),
    ARRAY['1.0.0-rc', '1.0.0-rc+b', '1.0.0-rc.1', '1.0.0', '1.0.0+a', '1.0.0+b', '1.0.1'],
    'semver_key: precedence first, then build metadata (none first): a total order');
SET LOCAL ROLE aio_api;
SELECT is((SELECT array_agg(version ORDER BY ordinality) FROM api.tool_list(category => 'NLP') WITH ORDINALITY),
    ARRAY['1.10.0', '1.10.0-rc.1', '1.9.0'], 'tool_list filters by category');
SELECT is((SELECT array_agg(name) FROM api.tool_list(status => 'INACTIVE')), ARRAY['image-classifier'],
    'tool_list filters by status');
SELECT is((SELECT array_agg(name ORDER BY name) FROM api.tool_list(target_node_id => (SELECT node_id FROM node))),
    ARRAY['sentiment-analyzer', 'text-summarizer'], 'tool_list filters by target_node_id');
SELECT is((SELECT count(*)::int FROM api.tool_list(name => 'SUMMAR')), 3,
    'tool_list name filter: a case-insensitive substring');
SELECT is((SELECT count(*)::int FROM api.tool_list(name => 'e_c')), 0,
    'tool_list name filter: _ is a literal, not a wildcard (image-classifier has e-c)');
SELECT is((SELECT count(*)::int FROM api.tool_list(name => '%')), 0, 'tool_list name filter: % is a literal');
SELECT is((SELECT array_agg(name) FROM api.tool_list(category => 'ANALYSIS', status => 'ACTIVE')), ARRAY['data-cleaner'],
    'tool_list filters combine');
SELECT is((SELECT array_agg(name ORDER BY ordinality) FROM api.tool_list_by_category(category => 'ANALYSIS') WITH ORDINALITY),
    ARRAY['data-cleaner', 'sentiment-analyzer'], 'tool_list_by_category');
SELECT is((SELECT count(*)::int FROM api.tool_list_active()), 6, 'tool_list_active counts every ACTIVE tool');
SELECT ok((SELECT bool_and(status = 'ACTIVE') FROM api.tool_list_active()), 'tool_list_active lists only ACTIVE tools');

-- keyset pagination: pages of 2 split the embedder tie, a name change and the text-summarizer versions
SELECT is((SELECT array_agg(id ORDER BY page, n) FROM pg_temp.walk($$SELECT tool_id, cursor FROM api.tool_list("limit" => 2, cursor => %L)$$)),
    (SELECT array_agg(tool_id ORDER BY ordinality) FROM api.tool_list("limit" => 1000) WITH ORDINALITY),
    'tool_list pages of 2 hold every tool once, in list order');
SELECT is((SELECT max(page) FROM pg_temp.walk($$SELECT tool_id, cursor FROM api.tool_list("limit" => 2, cursor => %L)$$)),
    4, 'eight tools make four pages of 2');
SELECT is((SELECT array_agg(id ORDER BY page, n) FROM pg_temp.walk($$SELECT tool_id, cursor FROM api.tool_versions(tool_name => 'text-summarizer', "limit" => 1, cursor => %L)$$)),
    ARRAY[pg_temp.tid('sum-1.10.0'), pg_temp.tid('sum-1.10.0-rc.1'), pg_temp.tid('sum-1.9.0')],
    'tool_versions pages of 1 follow semver precedence');
SELECT is((SELECT array_agg(id ORDER BY page, n) FROM pg_temp.walk($$SELECT tool_id, cursor FROM api.tool_list_active("limit" => 4, cursor => %L)$$)),
    (SELECT array_agg(tool_id ORDER BY ordinality) FROM api.tool_list_active("limit" => 1000) WITH ORDINALITY),
    'tool_list_active pages hold every ACTIVE tool once');

-- tags ----------------------------------------------------------------------------------
SELECT is((SELECT tags FROM api.tool_tag_add(tool_id => pg_temp.tid('cleaner'), tag_name => 'CSV')), ARRAY['csv', 'tabular'],
    'tool_tag_add adds a tag, lower-cased');
SELECT lives_ok($$ SELECT api.tool_tag_add(tool_id => pg_temp.tid('cleaner'), tag_name => 'csv') $$,
    'adding a tag the tool has is not an error');
SELECT is((SELECT tags FROM api.tool_get(tool_id => pg_temp.tid('cleaner'))), ARRAY['csv', 'tabular'],
    'adding it twice keeps one');
SELECT lives_ok($$ SELECT api.tool_tag_remove(tool_id => pg_temp.tid('cleaner'), tag_name => 'CSV') $$,
    'tool_tag_remove removes a tag (case-insensitive)');
SELECT is((SELECT tags FROM api.tool_get(tool_id => pg_temp.tid('cleaner'))), ARRAY['tabular'], 'the tag is gone');

SELECT is((SELECT array_agg(tool_id ORDER BY ordinality) FROM api.tool_search_by_tag(tag_search => 'nlp') WITH ORDINALITY),
    ARRAY[pg_temp.tid('sum-1.10.0-rc.1'), pg_temp.tid('sum-1.9.0')], 'tool_search_by_tag: the exact tag, in list order');
SELECT is((SELECT count(*)::int FROM api.tool_search_by_tag(tag_search => 'NLP')), 2, 'tool_search_by_tag is case-insensitive');
SELECT is((SELECT array_agg(tool_id ORDER BY ordinality) FROM api.tool_search_by_tag(tag_search => 'nlp*') WITH ORDINALITY),
    ARRAY[pg_temp.tid('sentiment'), pg_temp.tid('sum-1.10.0'), pg_temp.tid('sum-1.10.0-rc.1'), pg_temp.tid('sum-1.9.0')],
    'tool_search_by_tag nlp*: every tag starting with nlp (nlp, nlp-core, nlp.sentiment; not xnlp)');
SELECT is((SELECT array_agg(id ORDER BY page, n) FROM pg_temp.walk($$SELECT tool_id, cursor FROM api.tool_search_by_tag(tag_search => 'nlp*', "limit" => 3, cursor => %L)$$)),
    ARRAY[pg_temp.tid('sentiment'), pg_temp.tid('sum-1.10.0'), pg_temp.tid('sum-1.10.0-rc.1'), pg_temp.tid('sum-1.9.0')],
    'tool_search_by_tag pages hold every match once');
SELECT is((SELECT count(*)::int FROM api.tool_search_by_tag(tag_search => 'nope')), 0, 'a tag nobody has finds nothing');
SELECT is((SELECT array_agg(tool_id ORDER BY ordinality) FROM api.tool_list(category => 'NLP', name => 'sum', "limit" => 2) WITH ORDINALITY),
    (SELECT array_agg(tool_id ORDER BY ordinality) FROM (
        SELECT tool_id, ordinality FROM api.tool_list("limit" => 1000) WITH ORDINALITY
        WHERE category = 'NLP' AND name LIKE '%sum%' ORDER BY ordinality LIMIT 2) l),
    'tool_list: several filters at once, each applied, in list order');

-- update --------------------------------------------------------------------------------
SELECT is((SELECT status FROM api.tool_update(tool_id => pg_temp.tid('sum-1.9.0'), patch => '{"status": "DEPRECATED"}')),
    'DEPRECATED', 'tool_update changes a sent field');
SELECT is((SELECT ROW(description, category, input_schema, target_node_id, tags)::text FROM api.tool_get(tool_id => pg_temp.tid('sum-1.9.0'))),
    (SELECT ROW('Summarizes text', 'NLP', '{"type": "object"}'::jsonb, node_id, ARRAY['nlp', 'summarization'])::text FROM node),
    'tool_update leaves fields not sent, tags included');
SELECT is((SELECT tags FROM api.tool_update(tool_id => pg_temp.tid('sum-1.9.0'), patch => '{"tags": ["Short", "nlp", "short"]}')),
    ARRAY['nlp', 'short'], 'tags in a patch replace the tag set, lower-cased');
SELECT is((SELECT description FROM api.tool_update(tool_id => pg_temp.tid('sum-1.9.0'), patch => '{"description": null}')),
    NULL, 'an explicit null clears description');
SELECT is((SELECT target_node_id FROM api.tool_update(tool_id => pg_temp.tid('sum-1.9.0'), patch => '{"target_node_id": null}')),
    NULL, 'an explicit null clears target_node_id');
SELECT is((SELECT tags FROM api.tool_update(tool_id => pg_temp.tid('sum-1.9.0'), patch => '{"tags": null}')),
    ARRAY[]::text[], 'tags: null clears the tag set');
SELECT is((SELECT ROW(name, version, category, metadata, output_schema)::text
           FROM api.tool_update(tool_id => pg_temp.tid('sum-1.9.0'),
                                patch => '{"name": "text-digest", "version": "2.0.0", "category": "TEXT", "metadata": {"k": "v"}, "output_schema": {"type": "string"}}')),
    ROW('text-digest', '2.0.0', 'TEXT', '{"k": "v"}'::jsonb, '{"type": "string"}'::jsonb)::text,
    'tool_update changes several fields at once');
SELECT is((SELECT version FROM api.tool_get_by_name(tool_name => 'text-digest')), '2.0.0', 'a renamed tool is found by its new name');

-- delete: refused while the tool has artifacts; then tags go ----------------------------
CREATE TEMP TABLE art AS
    SELECT * FROM api.artifact_create(name => 'out.txt', uri => 's3://tap/out.txt', tool_id => pg_temp.tid('cleaner'));
SELECT throws_ok($$ SELECT api.tool_delete(tool_id => pg_temp.tid('cleaner')) $$, '23503',
    format('tool_id: tool %s has artifacts; delete them first', pg_temp.tid('cleaner')), 'tool_delete of a tool with artifacts: 23503');
SELECT is((SELECT tool_id FROM api.artifact_get(artifact_id => (SELECT artifact_id FROM art))), pg_temp.tid('cleaner'),
    'its artifact keeps its tool');
SELECT lives_ok($$ SELECT api.artifact_delete(artifact_id => (SELECT artifact_id FROM art)); SELECT api.tool_delete(tool_id => pg_temp.tid('cleaner')) $$,
    'once its artifacts are deleted, tool_delete deletes');
SELECT throws_ok($$ SELECT api.tool_get(tool_id => pg_temp.tid('cleaner')) $$, 'P0002', NULL, 'a deleted tool is gone');
CREATE TEMP TABLE upload AS SELECT * FROM api.artifact_create(name => 'upload.txt', uri => 's3://tap/upload.txt');  -- no tool: kept
RESET ROLE;
SELECT is((SELECT count(*)::int FROM orchestrator.tool_tags WHERE tool_id = pg_temp.tid('cleaner')), 0, 'its tags are deleted');
SET LOCAL ROLE aio_api;

-- errors, by SQLSTATE -------------------------------------------------------------------
-- tool_create
SELECT throws_ok($$ SELECT api.tool_create(name => 'text-summarizer', version => '1.10.0', category => 'NLP') $$,
    '23505', 'version: this tool name already has this version', 'duplicate name and version: 23505');
SELECT throws_ok($$ SELECT api.tool_create(name => 'x', version => '1.0.0', category => 'NLP', target_node_id => '00000000-0000-0000-0000-000000000000') $$,
    '23503', 'target_node_id: no node has this id', 'unknown target_node_id: 23503');
SELECT throws_ok($$ SELECT api.tool_create(name => 'Text Summarizer', version => '1.0.0', category => 'NLP') $$,
    '23514', 'name: must be a lower-case snake_case or kebab-case identifier of at most 128 characters, e.g. text-summarizer', 'bad name: 23514');
SELECT throws_ok($$ SELECT api.tool_create(name => 'x', version => '1.0', category => 'NLP') $$,
    '23514', 'version: must be a Semantic Versioning 2.0.0 version such as 1.2.3 or 2.0.0-rc.1', 'version not semver: 23514');
SELECT throws_ok($$ SELECT api.tool_create(name => 'x', version => '01.0.0', category => 'NLP') $$,
    '23514', 'version: must be a Semantic Versioning 2.0.0 version such as 1.2.3 or 2.0.0-rc.1', 'version with a leading zero: 23514');
SELECT throws_ok($$ SELECT api.tool_create(name => 'x', version => '1.0.0', category => 'nlp') $$,
    '23514', 'category: must be an UPPER_SNAKE identifier of at most 64 characters, e.g. ANALYSIS', 'bad category: 23514');
SELECT throws_ok($$ SELECT api.tool_create(name => 'x', version => '1.0.0', category => 'NLP', status => 'RETIRED') $$,
    '23514', 'status: must be one of ACTIVE, INACTIVE, DEPRECATED', 'bad status: 23514');
SELECT throws_ok($$ SELECT api.tool_create(name => 'x', version => '1.0.0', category => 'NLP', input_schema => '[]') $$,
    '23514', 'input_schema: must be a JSON object (a JSON Schema)', 'input_schema not an object: 23514');
SELECT throws_ok($$ SELECT api.tool_create(name => 'x', version => '1.0.0', category => 'NLP', output_schema => '"string"') $$,
    '23514', 'output_schema: must be a JSON object (a JSON Schema)', 'output_schema not an object: 23514');
SELECT throws_ok($$ SELECT api.tool_create(name => 'x', version => '1.0.0', category => 'NLP', metadata => '[]') $$,
    '23514', 'metadata: must be a JSON object', 'metadata not an object: 23514');
SELECT throws_ok($$ SELECT api.tool_create(name => 'x', version => '1.0.0', category => 'NLP', description => repeat('d', 10001)) $$,
    '23514', 'description: must be at most 10000 characters', 'description too long: 23514');
SELECT throws_ok($$ SELECT api.tool_create(name => 'x', version => '1.0.0', category => 'NLP', tags => '{"bad tag"}') $$,
    '23514', 'tags: must be 1 to 64 characters of a-z 0-9 . _ : - starting with a letter or digit', 'bad tag: 23514');
SELECT throws_ok($$ SELECT api.tool_create(name => NULL, version => '1.0.0', category => 'NLP') $$,
    '23502', 'name: is required and may not be null', 'null name: 23502');
SELECT throws_ok($$ SELECT api.tool_create(name => 'x', version => NULL, category => 'NLP') $$,
    '23502', 'version: is required and may not be null', 'null version: 23502');
SELECT throws_ok($$ SELECT api.tool_create(name => 'x', version => '1.0.0', category => NULL) $$,
    '23502', 'category: is required and may not be null', 'null category: 23502');
SELECT throws_ok($$ SELECT api.tool_create(name => 'x', version => '1.0.0', category => 'NLP', status => NULL) $$,
    '23502', 'status: is required and may not be null', 'null status: 23502');
SELECT throws_ok($$ SELECT api.tool_create(name => 'x', version => '1.0.0', category => 'NLP', tags => '{nlp,NULL}') $$,
    '23502', 'tag: is required and may not be null', 'a null tag: 23502');

-- not found
SELECT throws_ok($$ SELECT api.tool_get(tool_id => '00000000-0000-0000-0000-000000000000') $$,
    'P0002', 'tool_id: no tool has id 00000000-0000-0000-0000-000000000000', 'unknown tool: P0002');
SELECT throws_ok($$ SELECT api.tool_get(tool_id => 'not-a-uuid') $$, '22P02', NULL, 'bad uuid: 22P02');
SELECT throws_ok($$ SELECT api.tool_get_by_name(tool_name => 'no-such-tool') $$,
    'P0002', 'tool_name: no tool is named ''no-such-tool''', 'get_by_name of an unknown name: P0002');
SELECT throws_ok($$ SELECT api.tool_get_by_name(tool_name => 'text-summarizer', version => '9.9.9') $$,
    'P0002', 'version: tool ''text-summarizer'' has no version ''9.9.9''', 'get_by_name of an unknown version: P0002');
SELECT throws_ok($$ SELECT * FROM api.tool_versions(tool_name => 'no-such-tool') $$,
    'P0002', 'tool_name: no tool is named ''no-such-tool''', 'versions of an unknown name: P0002');
SELECT throws_ok($$ SELECT api.tool_update(tool_id => '00000000-0000-0000-0000-000000000000', patch => '{}') $$,
    'P0002', 'tool_id: no tool has id 00000000-0000-0000-0000-000000000000', 'update of an unknown tool: P0002');
SELECT throws_ok($$ SELECT api.tool_delete(tool_id => '00000000-0000-0000-0000-000000000000') $$,
    'P0002', 'tool_id: no tool has id 00000000-0000-0000-0000-000000000000', 'delete of an unknown tool: P0002');
SELECT throws_ok($$ SELECT api.tool_tag_add(tool_id => '00000000-0000-0000-0000-000000000000', tag_name => 'nlp') $$,
    'P0002', 'tool_id: no tool has id 00000000-0000-0000-0000-000000000000', 'tag_add on an unknown tool: P0002');
SELECT throws_ok($$ SELECT api.tool_tag_remove(tool_id => '00000000-0000-0000-0000-000000000000', tag_name => 'nlp') $$,
    'P0002', 'tool_id: no tool has id 00000000-0000-0000-0000-000000000000', 'tag_remove on an unknown tool: P0002');
SELECT throws_ok($$ SELECT api.tool_tag_remove(tool_id => pg_temp.tid('image'), tag_name => 'nlp') $$,
    'P0002', format('tag_name: tool %s has no tag %L', pg_temp.tid('image'), 'nlp'), 'tag_remove of a tag the tool lacks: P0002');

-- tags
SELECT throws_ok($$ SELECT api.tool_tag_add(tool_id => pg_temp.tid('image'), tag_name => 'bad tag!') $$,
    '23514', 'tag_name: must be 1 to 64 characters of a-z 0-9 . _ : - starting with a letter or digit', 'tag_add of a bad tag: 23514');
SELECT throws_ok($$ SELECT api.tool_tag_add(tool_id => pg_temp.tid('image'), tag_name => repeat('t', 65)) $$,
    '23514', NULL, 'tag_add of a 65-character tag: 23514');
SELECT throws_ok($$ SELECT api.tool_tag_add(tool_id => pg_temp.tid('image'), tag_name => NULL) $$,
    '23502', NULL, 'tag_add of a null tag: 23502');
SELECT throws_ok($$ SELECT * FROM api.tool_search_by_tag(tag_search => 'bad tag') $$,
    '22023', 'tag_search: ''bad tag'' is neither a tag nor a tag prefix ending in *', 'tag_search not a tag: 22023');
SELECT throws_ok($$ SELECT * FROM api.tool_search_by_tag(tag_search => '*') $$, '22023', NULL, 'tag_search of a bare *: 22023');
SELECT throws_ok($$ SELECT * FROM api.tool_search_by_tag(tag_search => 'nlp**') $$, '22023', NULL, 'tag_search nlp**: 22023');
SELECT throws_ok($$ SELECT * FROM api.tool_search_by_tag(tag_search => NULL) $$, '22023', NULL, 'tag_search null: 22023');

-- list parameters
SELECT throws_ok($$ SELECT * FROM api.tool_list("limit" => 0) $$, '22023', 'limit: must be between 1 and 1000, got 0', 'limit 0: 22023');
SELECT throws_ok($$ SELECT * FROM api.tool_list("limit" => 1001) $$, '22023', 'limit: must be between 1 and 1000, got 1001', 'limit 1001: 22023');
SELECT throws_ok($$ SELECT * FROM api.tool_list(cursor => 'garbage') $$,
    '22023', 'cursor: ''garbage'' is not a cursor issued by this list', 'bad cursor: 22023');
SELECT throws_ok($$ SELECT * FROM api.tool_list(cursor => (SELECT cursor FROM api.artifact_list() LIMIT 1)) $$,
    '22023', NULL, 'a cursor of another list: 22023');
SELECT throws_ok($$ SELECT * FROM api.tool_list(status => 'RETIRED') $$,
    '22023', 'status: must be one of ACTIVE, INACTIVE, DEPRECATED, got ''RETIRED''', 'bad status filter: 22023');
SELECT throws_ok($$ SELECT * FROM api.tool_list(target_node_id => 'x') $$, '22P02', NULL, 'target_node_id filter not a uuid: 22P02');
SELECT throws_ok($$ SELECT * FROM api.tool_list_active("limit" => 0) $$, '22023', NULL, 'tool_list_active limit 0: 22023');
SELECT throws_ok($$ SELECT * FROM api.tool_list_active(cursor => 'garbage') $$, '22023', NULL, 'tool_list_active bad cursor: 22023');
SELECT throws_ok($$ SELECT * FROM api.tool_list_by_category(category => 'NLP', "limit" => 1001) $$, '22023', NULL, 'tool_list_by_category limit 1001: 22023');
SELECT throws_ok($$ SELECT * FROM api.tool_list_by_category(category => 'NLP', cursor => 'garbage') $$, '22023', NULL, 'tool_list_by_category bad cursor: 22023');
SELECT throws_ok($$ SELECT * FROM api.tool_versions(tool_name => 'text-summarizer', "limit" => 0) $$, '22023', NULL, 'tool_versions limit 0: 22023');
SELECT throws_ok($$ SELECT * FROM api.tool_versions(tool_name => 'text-summarizer', cursor => 'garbage') $$, '22023', NULL, 'tool_versions bad cursor: 22023');
SELECT throws_ok($$ SELECT * FROM api.tool_search_by_tag(tag_search => 'nlp', "limit" => 0) $$, '22023', NULL, 'tool_search_by_tag limit 0: 22023');
SELECT throws_ok($$ SELECT * FROM api.tool_search_by_tag(tag_search => 'nlp', cursor => 'garbage') $$, '22023', NULL, 'tool_search_by_tag bad cursor: 22023');

-- tool_update
SELECT throws_ok($$ SELECT api.tool_update(tool_id => pg_temp.tid('image'), patch => '{"colour": "red"}') $$,
    '22023', 'colour: unknown field', 'unknown field in patch: 22023');
SELECT throws_ok($$ SELECT api.tool_update(tool_id => pg_temp.tid('image'), patch => '{"status": 1}') $$,
    '22023', 'status: must be a JSON string, got number', 'wrong JSON type in patch: 22023');
SELECT throws_ok($$ SELECT api.tool_update(tool_id => pg_temp.tid('image'), patch => '{"tags": "nlp"}') $$,
    '22023', 'tags: must be a JSON array, got string', 'tags not an array: 22023');
SELECT throws_ok($$ SELECT api.tool_update(tool_id => pg_temp.tid('image'), patch => '{"tags": ["nlp", 1]}') $$,
    '22023', 'tags: must be an array of strings', 'tags with a non-string element: 22023');
SELECT throws_ok($$ SELECT api.tool_update(tool_id => pg_temp.tid('image'), patch => '[1]') $$,
    '22023', 'patch: must be a JSON object, got array', 'patch not an object: 22023');
SELECT throws_ok($$ SELECT api.tool_update(tool_id => pg_temp.tid('image'), patch => '{"target_node_id": "nope"}') $$,
    '22P02', NULL, 'target_node_id not a uuid: 22P02');
SELECT throws_ok($$ SELECT api.tool_update(tool_id => pg_temp.tid('sum-1.10.0-rc.1'), patch => '{"version": "1.10.0"}') $$,
    '23505', 'version: this tool name already has this version', 'update to a taken name and version: 23505');
SELECT throws_ok($$ SELECT api.tool_update(tool_id => pg_temp.tid('image'), patch => '{"target_node_id": "00000000-0000-0000-0000-000000000000"}') $$,
    '23503', 'target_node_id: no node has this id', 'update to an unknown node: 23503');
SELECT throws_ok($$ SELECT api.tool_update(tool_id => pg_temp.tid('image'), patch => '{"category": "vision"}') $$,
    '23514', 'category: must be an UPPER_SNAKE identifier of at most 64 characters, e.g. ANALYSIS', 'update to a bad category: 23514');
SELECT throws_ok($$ SELECT api.tool_update(tool_id => pg_temp.tid('image'), patch => '{"version": "2"}') $$,
    '23514', 'version: must be a Semantic Versioning 2.0.0 version such as 1.2.3 or 2.0.0-rc.1', 'update to a bad version: 23514');
SELECT throws_ok($$ SELECT api.tool_update(tool_id => pg_temp.tid('image'), patch => '{"tags": ["Bad Tag"]}') $$,
    '23514', 'tags: must be 1 to 64 characters of a-z 0-9 . _ : - starting with a letter or digit', 'update to a bad tag: 23514');
SELECT throws_ok($$ SELECT api.tool_update(tool_id => pg_temp.tid('image'), patch => '{"name": null}') $$,
    '23502', 'name: is required and may not be null', 'clearing a required field: 23502');
SELECT throws_ok($$ SELECT api.tool_update(tool_id => pg_temp.tid('image'), patch => '{"input_schema": null}') $$,
    '23502', 'input_schema: is required and may not be null', 'clearing input_schema: 23502');

-- bounds: what a tool carries into indexes and onto every page
SELECT throws_ok($$ SELECT api.tool_create(name => 'many-tags', version => '1.0.0', category => 'NLP',
                                           tags => ARRAY(SELECT 't' || i FROM generate_series(1, 33) i)) $$,
    '22023', 'tags: a tool has at most 32 tags, got 33', 'tool_create with 33 tags: 22023');
SELECT lives_ok($$ SELECT api.tool_create(name => 'many-tags', version => '1.0.0', category => 'NLP',
                                          tags => ARRAY(SELECT 't' || i FROM generate_series(1, 32) i)) $$,
    '32 tags are enough');
SELECT throws_ok($$ SELECT api.tool_tag_add(tool_id => (SELECT tool_id FROM api.tool_get_by_name(tool_name => 'many-tags')), tag_name => 't33') $$,
    '22023', 'tag_name: a tool has at most 32 tags, got 33', 'a 33rd tag: 22023');
SELECT throws_ok($$ SELECT api.tool_update(tool_id => pg_temp.tid('image'),
                                           patch => jsonb_build_object('tags', ARRAY(SELECT 't' || i FROM generate_series(1, 40) i))) $$,
    '22023', 'tags: a tool has at most 32 tags, got 40', 'tool_update with 40 tags: 22023');
SELECT throws_ok($$ SELECT api.tool_create(name => 'long-property', version => '1.0.0', category => 'NLP',
                                           input_schema => jsonb_build_object('properties', jsonb_build_object(repeat('p', 1025), '{}'::jsonb))) $$,
    '23514', 'input_schema: a property name must be at most 1024 bytes', 'a property name over 1024 bytes: 23514');
SELECT throws_ok($$ SELECT api.tool_update(tool_id => pg_temp.tid('image'),
                                           patch => jsonb_build_object('output_schema', jsonb_build_object('properties', jsonb_build_object(repeat('p', 1025), '{}'::jsonb)))) $$,
    '23514', 'output_schema: a property name must be at most 1024 bytes', 'an output property name over 1024 bytes: 23514');

DO $$ BEGIN PERFORM api.artifact_create(name => 'out.bin', uri => 's3://tap/out.bin', tool_id => pg_temp.tid('image')); END $$;
SELECT throws_ok($$ SELECT api.tool_delete(tool_id => pg_temp.tid('image')) $$, '23503', NULL, 'a tool with artifacts is not deleted: 23503');
SELECT lives_ok($$ SELECT api.tool_get(tool_id => pg_temp.tid('image')) $$, 'and it is still there');

-- the BI role may not call the api
SET LOCAL ROLE aio_bi;
SELECT throws_ok($$ SELECT api.tool_list() $$, '42501', NULL, 'the BI role may not execute tool_list: 42501');

RESET ROLE;
SELECT * FROM finish();
ROLLBACK;
