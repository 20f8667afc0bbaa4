-- pgTAP: data/node_heartbeats_time_range (a heartbeat time is finite and at most a day ahead)
BEGIN;
SELECT plan(5);

SELECT (api.node_create(node_type => 'X', address => 'http://a', name => 'beat-range')).node_id AS node_id
INTO TEMP beat_node;

SELECT lives_ok($$ INSERT INTO orchestrator.node_heartbeats (node_id, last_heartbeat_at)
                   SELECT node_id, now() + interval '1 hour' FROM beat_node $$, 'a clock skew of an hour is stored (and reported by the integrity check)');
DELETE FROM orchestrator.node_heartbeats WHERE node_id = (SELECT node_id FROM beat_node);
SELECT throws_ok($$ INSERT INTO orchestrator.node_heartbeats (node_id, last_heartbeat_at) SELECT node_id, 'infinity' FROM beat_node $$,
    '23514', NULL, 'infinity: 23514');
SELECT throws_ok($$ INSERT INTO orchestrator.node_heartbeats (node_id, last_heartbeat_at) SELECT node_id, '-infinity' FROM beat_node $$,
    '23514', NULL, '-infinity: 23514');
SELECT throws_ok($$ INSERT INTO orchestrator.node_heartbeats (node_id, last_heartbeat_at) SELECT node_id, '2999-01-01' FROM beat_node $$,
    '23514', NULL, 'the year 2999: 23514');
SELECT lives_ok($$ SELECT api.node_heartbeat(node_id => (SELECT node_id FROM beat_node)) $$, 'a beat is stamped now');

SELECT * FROM finish();
ROLLBACK;
