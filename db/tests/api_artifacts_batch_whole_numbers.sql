-- pgTAP: api/artifacts_batch_whole_numbers (size_bytes 3.0 is the whole number 3)
BEGIN;
SELECT plan(5);

SELECT is((SELECT array_agg(size_bytes ORDER BY name) FROM api.artifact_create_batch(artifacts =>
        '[{"name": "a", "uri": "s3://b/a", "size_bytes": 3.0}, {"name": "b", "uri": "s3://b/b", "size_bytes": 1.5e3},
          {"name": "c", "uri": "s3://b/c", "size_bytes": 7}, {"name": "d", "uri": "s3://b/d"}]')),
    ARRAY[3, 1500, 7, 0]::bigint[], 'a whole number written 3.0 or 1.5e3 is stored as that integer');
SELECT throws_ok($$ SELECT * FROM api.artifact_create_batch(artifacts => '[{"name": "a", "uri": "s3://b/a", "size_bytes": 3.5}]') $$,
    '22023', 'artifacts[0].size_bytes: must be a whole number, got 3.5', 'a fraction is still refused, by name');
SELECT throws_ok($$ SELECT * FROM api.artifact_create_batch(artifacts => '[{"name": "a", "uri": "s3://b/a", "size_bytes": -2.0}]') $$,
    '23514', 'artifacts[0].size_bytes: must be 0 or more', 'a negative whole number breaks the rule of the column');
SELECT throws_ok($$ SELECT * FROM api.artifact_create_batch(artifacts => '[{"name": "a", "uri": "s3://b/a", "size_bytes": 1e30}]') $$,
    '22003', 'artifacts[0].size_bytes: 1000000000000000000000000000000 is out of range for a byte count', 'a whole number beyond bigint: 22003');
SELECT throws_ok($$ SELECT * FROM api.artifact_create_batch(artifacts => '[{"name": "a", "uri": "s3://b/a", "size_bytes": 2.0}, 5]') $$,
    '22023', 'artifacts[1]: must be a JSON object, got number', 'an item that is not an object is still named');

SELECT * FROM finish();
ROLLBACK;
