-- pgTAP: data/nodes_labels_format (label values are strings, arrays included)
BEGIN;
SELECT plan(5);

SELECT lives_ok($$ SELECT api.node_create(node_type => 'X', address => 'http://a', name => 'labels-ok', labels => '{"zone": "eu-1", "": ""}') $$,
    'string values, an empty key included');
SELECT lives_ok($$ SELECT api.node_create(node_type => 'X', address => 'http://a', name => 'labels-none', labels => '{}') $$, 'no labels');
SELECT throws_ok($$ SELECT api.node_create(node_type => 'X', address => 'http://a', labels => '{"zone": ["eu-1"]}') $$,
    '23514', 'labels: must be a JSON object whose values are all strings', 'an array of strings: 23514');
SELECT throws_ok($$ SELECT api.node_create(node_type => 'X', address => 'http://a', labels => '{"zone": []}') $$,
    '23514', 'labels: must be a JSON object whose values are all strings', 'an empty array: 23514');
SELECT throws_ok($$ SELECT api.node_create(node_type => 'X', address => 'http://a', labels => '["eu-1"]') $$,
    '23514', 'labels: must be a JSON object whose values are all strings', 'not an object: 23514');

SELECT * FROM finish();
ROLLBACK;
