-- pgTAP: data/artifact_tallies (maintained artifact figures per category, duplicate checksums)
BEGIN;
SET LOCAL client_min_messages = warning;
SELECT plan(26);

-- What the maintained figures must equal, counted from the tables: these stay empty.
CREATE FUNCTION pg_temp.tally_differences() RETURNS bigint LANGUAGE sql AS $$
    WITH exact AS (
        SELECT coalesce(t.category, 'orphaned') AS category, count(*) AS artifact_count, sum(a.size_bytes) AS total_bytes,
               max(a.size_bytes) AS largest_bytes
        FROM orchestrator.artifacts a LEFT JOIN orchestrator.tools t ON t.tool_id = a.tool_id GROUP BY 1
    ), kept AS (SELECT * FROM orchestrator.artifact_tallies_now())
    SELECT (SELECT count(*) FROM ((SELECT * FROM exact EXCEPT SELECT * FROM kept) UNION ALL (SELECT * FROM kept EXCEPT SELECT * FROM exact)) d)
$$;
CREATE FUNCTION pg_temp.checksum_differences() RETURNS bigint LANGUAGE sql AS $$
    WITH exact AS (SELECT checksum_sha256 FROM orchestrator.artifacts WHERE checksum_sha256 IS NOT NULL GROUP BY 1 HAVING count(*) > 1),
         kept AS (SELECT * FROM orchestrator.duplicate_checksums_now())
    SELECT (SELECT count(*) FROM ((SELECT * FROM exact EXCEPT SELECT * FROM kept) UNION ALL (SELECT * FROM kept EXCEPT SELECT * FROM exact)) d)
$$;
CREATE FUNCTION pg_temp.both_agree(what text) RETURNS SETOF text LANGUAGE plpgsql AS $$
BEGIN
    RETURN NEXT is(pg_temp.tally_differences() + pg_temp.checksum_differences(), 0::bigint, what || ': the figures equal the counts');
    PERFORM orchestrator.artifact_tallies_fold(wait => true);
    RETURN NEXT is(pg_temp.tally_differences() + pg_temp.checksum_differences() + (SELECT count(*) FROM orchestrator.artifact_tally_changes),
                   0::bigint, what || ': and still after a fold, which leaves no change behind');
END
$$;

SELECT has_table('orchestrator', 'artifact_tallies', 'the folded tallies');
SELECT has_table('orchestrator', 'artifact_tally_changes', 'the changes since the last fold');
SELECT has_table('orchestrator', 'duplicate_checksums', 'the shared checksums');
SELECT function_privs_are('orchestrator', 'artifact_tallies_rebuild', ARRAY[]::text[], 'aio_api', ARRAY[]::text[],
    'request roles cannot rebuild the tallies');
SELECT function_privs_are('orchestrator', 'artifact_tallies_fold', ARRAY['boolean'], 'aio_api', ARRAY[]::text[],
    'request roles cannot fold them');
SELECT table_privs_are('orchestrator', 'artifact_tally_changes', 'aio_api', ARRAY[]::text[], 'request roles cannot write changes directly');

SELECT lives_ok($$ SELECT orchestrator.artifact_tallies_rebuild() $$, 'the rebuild runs');
SELECT pg_temp.both_agree('after the rebuild');

-- Inserts: many rows in one statement, one through the api, a batch; shared checksums among them.
DO $$
DECLARE
    n1 uuid := (api.node_create(node_type => 'TOOL_EXECUTOR', address => 'http://10.9.0.1:8080', name => 'tally-n1')).node_id;
BEGIN
    INSERT INTO orchestrator.tools (name, version, category, target_node_id)
    SELECT 'tally-tool-' || i, '1.0.0', (ARRAY['NLP', 'VISION', 'AUDIO'])[1 + i % 3], n1 FROM generate_series(1, 30) i;
    INSERT INTO orchestrator.artifacts (name, uri, tool_id, node_id, size_bytes, checksum_sha256)
    SELECT 'tally-' || i, 's3://tally/' || i, t.tool_id, n1, i * 1000,
           CASE WHEN i % 4 = 0 THEN repeat(to_hex(i % 16), 64) END
    FROM generate_series(1, 600) i
    JOIN (SELECT tool_id, row_number() OVER (ORDER BY tool_id) AS r FROM orchestrator.tools WHERE name LIKE 'tally-tool-%') t ON t.r = 1 + i % 30;
    PERFORM api.artifact_create(name => 'tally-single', uri => 's3://tally/single', size_bytes => 7,
                                checksum_sha256 => repeat('a', 64));
    PERFORM api.artifact_create_batch(artifacts => '[{"name": "tb1", "uri": "s3://tally/b1", "size_bytes": 5, "checksum_sha256": "0000000000000000000000000000000000000000000000000000000000000001"},
                                                     {"name": "tb2", "uri": "s3://tally/b2", "checksum_sha256": "0000000000000000000000000000000000000000000000000000000000000001"}]');
END
$$;
SELECT pg_temp.both_agree('after inserts (bulk, single, batch)');
SELECT ok('0000000000000000000000000000000000000000000000000000000000000001' IN (SELECT * FROM orchestrator.duplicate_checksums_now()),
    'a checksum stored twice in one batch is a duplicate');

-- Updates: size, checksum and tool of artifacts; a tool's category.
UPDATE orchestrator.artifacts SET size_bytes = size_bytes + 1 WHERE name LIKE 'tally-1%';
UPDATE orchestrator.artifacts SET checksum_sha256 = NULL WHERE name = 'tally-single' OR name LIKE 'tally-4_';
UPDATE orchestrator.artifacts SET tool_id = (SELECT tool_id FROM orchestrator.tools WHERE name = 'tally-tool-1')
WHERE name LIKE 'tally-2%';
SELECT pg_temp.both_agree('after artifact updates');
UPDATE orchestrator.tools SET category = 'AGENT' WHERE name IN ('tally-tool-2', 'tally-tool-3');
SELECT pg_temp.both_agree('after a category change');

-- Deletes: the largest artifact of a category goes (its largest is found again), a tool goes
-- (its artifacts become orphans).
DELETE FROM orchestrator.artifacts WHERE artifact_id = (SELECT a.artifact_id FROM orchestrator.artifacts a
    JOIN orchestrator.tools t ON t.tool_id = a.tool_id WHERE t.category = 'AGENT' ORDER BY a.size_bytes DESC LIMIT 1);
SELECT pg_temp.both_agree('after the largest AGENT artifact is deleted');
CREATE TEMP TABLE before_delete AS
SELECT (SELECT count(*) FROM orchestrator.artifacts a JOIN orchestrator.tools t USING (tool_id) WHERE t.name = 'tally-tool-5') AS tool_artifacts,
       coalesce((SELECT artifact_count FROM orchestrator.artifact_tallies_now() WHERE category = 'orphaned'), 0) AS orphans;
RESET ROLE;
SELECT lives_ok($$ DELETE FROM orchestrator.tools WHERE name = 'tally-tool-5' $$,
    'a tool with artifacts is deleted (in psql: the api refuses)');
SELECT pg_temp.both_agree('after a tool is deleted');
SELECT is((SELECT artifact_count FROM orchestrator.artifact_tallies_now() WHERE category = 'orphaned'),
    (SELECT orphans + tool_artifacts FROM before_delete), 'its artifacts are counted as orphans');
DELETE FROM orchestrator.artifacts WHERE name LIKE 'tally-3%' OR name = 'tb2';
SELECT pg_temp.both_agree('after deletes');

-- The routes read them.
SELECT results_eq($$ SELECT category, artifact_count, total_bytes FROM api.monitoring_storage_usage_by_category() ORDER BY 1 $$,
    $$ SELECT coalesce(t.category, 'orphaned'), count(*), sum(a.size_bytes) FROM orchestrator.artifacts a
       LEFT JOIN orchestrator.tools t ON t.tool_id = a.tool_id GROUP BY 1 ORDER BY 1 $$,
    'storage by category equals a count of the artifacts');

TRUNCATE orchestrator.artifacts CASCADE;  -- and the invocation inputs that name them
SELECT is((SELECT count(*) FROM orchestrator.artifact_tallies_now()) + (SELECT count(*) FROM orchestrator.duplicate_checksums_now()),
    0::bigint, 'after TRUNCATE nothing is counted');

SELECT * FROM finish();
ROLLBACK;
