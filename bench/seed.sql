-- Sample data. `make seed` loads a small, realistic set through the api functions;
-- `make seed SCALE=n` adds a generated set (set-based SQL) of n x (1,000 nodes, 100,000 tools,
-- 300,000 tags, 1,000,000 artifacts, 500,000 invocations) for benchmarks and plan checks. SCALE
-- may be a fraction (SCALE=0.05: 50 nodes, 5,000 tools, 50,000 artifacts, 25,000 invocations),
-- for quick plan checks.
-- Run by scripts/dev.sh seed as: psql -v scale=N -f bench/seed.sql
\set ON_ERROR_STOP 1
\if :{?scale}
\else
\set scale 0
\endif
-- artifacts_scale (default: scale) sizes the artifacts and invocations apart, e.g. for a quick plan check with
-- every tool but few artifacts: psql -v scale=1 -v artifacts_scale=0.05 -f bench/seed.sql
\if :{?artifacts_scale}
\else
\set artifacts_scale :scale
\endif

-- What is there before, so that what is added can be reported (not the totals).
SELECT (SELECT count(*) FROM orchestrator.nodes) AS before_nodes, (SELECT count(*) FROM orchestrator.tools) AS before_tools,
       (SELECT count(*) FROM orchestrator.tool_tags) AS before_tags, (SELECT count(*) FROM orchestrator.artifacts) AS before_artifacts \gset

-- 1. The sample, once: through api.* so it obeys every rule a client does. ------------------
DO $seed$
DECLARE
    n_exec1 uuid; n_exec2 uuid; n_exec3 uuid; n_gpu uuid; n_maint uuid; n_new uuid; n_err uuid;
    t uuid;
    doomed uuid;
    i int;
BEGIN
    IF EXISTS (SELECT FROM orchestrator.nodes WHERE name = 'executor-eu-1') THEN
        RETURN;  -- loaded before (reported below as nothing added)
    END IF;

    n_exec1 := (api.node_create(node_type => 'TOOL_EXECUTOR', address => 'http://10.0.1.11:8080', name => 'executor-eu-1',
                                labels => '{"zone": "eu-west-1a", "tier": "standard"}')).node_id;
    n_exec2 := (api.node_create(node_type => 'TOOL_EXECUTOR', address => 'http://10.0.1.12:8080', name => 'executor-eu-2',
                                labels => '{"zone": "eu-west-1b", "tier": "standard"}')).node_id;
    n_exec3 := (api.node_create(node_type => 'TOOL_EXECUTOR', address => 'https://exec-us-1.internal:8443', name => 'executor-us-1',
                                labels => '{"zone": "us-east-1a", "tier": "standard"}')).node_id;
    n_gpu   := (api.node_create(node_type => 'GPU_WORKER', address => 'grpc://10.0.2.21:50051', name => 'gpu-a100-1',
                                labels => '{"gpu": "a100", "zone": "eu-west-1a"}', metadata => '{"gpus": 8, "vram_gb": 640}')).node_id;
    n_maint := (api.node_create(node_type => 'GPU_WORKER', address => 'grpc://10.0.2.22:50051', name => 'gpu-a100-2',
                                status => 'MAINTENANCE', labels => '{"gpu": "a100"}')).node_id;
    n_new   := (api.node_create(node_type => 'DATA_LOADER', address => 'http://10.0.3.31:9000', name => 'loader-1')).node_id;
    n_err   := (api.node_create(node_type => 'TOOL_EXECUTOR', address => 'http://10.0.1.13:8080', name => 'executor-eu-3',
                                status => 'ERROR')).node_id;

    -- Heartbeats: three fresh, the GPU node silent for ten minutes (stale), loader never seen.
    -- (Written by hand: through the api only a beat sets the time, and it is now.)
    INSERT INTO orchestrator.node_heartbeats (node_id, last_heartbeat_at) VALUES
        (n_exec1, now() - interval '5 seconds'), (n_exec2, now() - interval '12 seconds'),
        (n_exec3, now() - interval '3 seconds'), (n_gpu, now() - interval '10 minutes'),
        (n_err, now() - interval '2 hours');

    -- Tools in several categories, several semver versions each.
    PERFORM api.tool_create(name => 'text-summarizer', version => '1.0.0', category => 'NLP', status => 'DEPRECATED',
        description => 'Summarizes text (first release).', target_node_id => n_exec1, tags => '{nlp,summarization}',
        input_schema => '{"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]}',
        output_schema => '{"type": "object", "properties": {"summary": {"type": "string"}}}');
    PERFORM api.tool_create(name => 'text-summarizer', version => '1.9.0', category => 'NLP',
        description => 'Summarizes text.', target_node_id => n_exec1, tags => '{nlp,summarization}',
        input_schema => '{"type": "object", "properties": {"text": {"type": "string"}, "max_words": {"type": "integer"}}, "required": ["text"]}',
        output_schema => '{"type": "object", "properties": {"summary": {"type": "string"}}}');
    PERFORM api.tool_create(name => 'text-summarizer', version => '1.10.0', category => 'NLP',
        description => 'Summarizes text, with language detection.', target_node_id => n_exec2, tags => '{nlp,summarization,multilingual}',
        input_schema => '{"type": "object", "properties": {"text": {"type": "string"}, "max_words": {"type": "integer"}, "language": {"type": "string"}}, "required": ["text"]}',
        output_schema => '{"type": "object", "properties": {"summary": {"type": "string"}, "language": {"type": "string"}}}');
    PERFORM api.tool_create(name => 'text-summarizer', version => '2.0.0-rc.1', category => 'NLP', status => 'INACTIVE',
        description => 'Release candidate with streaming output.', target_node_id => n_exec2, tags => '{nlp,summarization,preview}',
        input_schema => '{"type": "object", "properties": {"text": {"type": "string"}, "stream": {"type": "boolean"}}}');
    PERFORM api.tool_create(name => 'sentiment-analyzer', version => '2.1.0', category => 'NLP',
        description => 'Scores sentiment from -1 to 1.', target_node_id => n_exec3, tags => '{nlp,sentiment}',
        input_schema => '{"type": "object", "properties": {"text": {"type": "string"}}}',
        output_schema => '{"type": "object", "properties": {"score": {"type": "number"}}}');
    PERFORM api.tool_create(name => 'image-classifier', version => '0.3.1', category => 'VISION', status => 'DEPRECATED',
        target_node_id => n_gpu, tags => '{vision,classification}',
        input_schema => '{"type": "object", "properties": {"image_url": {"type": "string", "format": "uri"}}}');
    PERFORM api.tool_create(name => 'image-classifier', version => '1.0.0', category => 'VISION',
        description => 'ImageNet classes with confidences.', target_node_id => n_gpu, tags => '{vision,classification,gpu}',
        input_schema => '{"type": "object", "properties": {"image_url": {"type": "string", "format": "uri"}, "top_k": {"type": "integer"}}}',
        output_schema => '{"type": "object", "properties": {"labels": {"type": "array"}}}');
    PERFORM api.tool_create(name => 'object-detector', version => '1.2.0', category => 'VISION',
        target_node_id => n_maint, tags => '{vision,detection,gpu}',
        input_schema => '{"type": "object", "properties": {"image_url": {"type": "string"}}}');
    PERFORM api.tool_create(name => 'speech-to-text', version => '3.0.0', category => 'AUDIO',
        description => 'Transcribes audio.', target_node_id => n_gpu, tags => '{audio,transcription,gpu}',
        input_schema => '{"type": "object", "properties": {"audio_url": {"type": "string"}, "language": {"type": "string"}}}',
        output_schema => '{"type": "object", "properties": {"transcript": {"type": "string"}}}');
    PERFORM api.tool_create(name => 'data-profiler', version => '1.2.0', category => 'ANALYSIS',
        description => 'Profiles a table: types, nulls, distributions.', target_node_id => n_err, tags => '{analysis,data-quality}',
        input_schema => '{"type": "object", "properties": {"dataset_uri": {"type": "string"}}}');
    PERFORM api.tool_create(name => 'code-reviewer', version => '0.1.0', category => 'ANALYSIS',
        description => 'Reviews a diff.', tags => '{analysis,code}',
        input_schema => '{"type": "object", "properties": {"diff": {"type": "string"}}}');
    PERFORM api.tool_create(name => 'report-writer', version => '1.0.0', category => 'GENERATION',
        target_node_id => n_new, tags => '{generation,reports}',
        input_schema => '{"type": "object", "properties": {"topic": {"type": "string"}}}');

    -- Artifacts of varied sizes and types, from tools on their nodes.
    FOR t, i IN SELECT tool_id, row_number() OVER (ORDER BY name, version_key) FROM orchestrator.tools LOOP
        PERFORM api.artifact_create(name => format('run-%s-output.json', i), uri => format('s3://ai-results/%s/output.json', t),
            tool_id => t, node_id => (SELECT target_node_id FROM orchestrator.tools WHERE tool_id = t),
            mime_type => 'application/json', size_bytes => 2048 * i,
            checksum_sha256 => encode(sha256(convert_to(t::text || 'json', 'UTF8')), 'hex'));
        PERFORM api.artifact_create(name => format('run-%s-log.txt', i), uri => format('s3://ai-logs/%s/run.log', t),
            tool_id => t, mime_type => 'text/plain', size_bytes => 100000 + 7919 * i);
    END LOOP;
    PERFORM api.artifact_create(name => 'model-weights.safetensors', uri => 's3://ai-models/image-classifier/1.0.0/weights.safetensors',
        tool_id => (SELECT tool_id FROM orchestrator.tools WHERE name = 'image-classifier' AND version = '1.0.0'),
        node_id => n_gpu, mime_type => 'application/octet-stream', size_bytes => 548 * 1048576);
    PERFORM api.artifact_create(name => 'transcripts-batch.tar', uri => 's3://ai-results/speech/batch-7.tar',
        tool_id => (SELECT tool_id FROM orchestrator.tools WHERE name = 'speech-to-text'),
        node_id => n_gpu, mime_type => 'application/x-tar', size_bytes => 1536 * 1048576);
    PERFORM api.artifact_create(name => 'detections.parquet', uri => 's3://ai-results/detector/detections.parquet',
        tool_id => (SELECT tool_id FROM orchestrator.tools WHERE name = 'object-detector'),
        mime_type => 'application/vnd.apache.parquet', size_bytes => 210 * 1048576);
    -- Same content recorded twice: a duplicate checksum for the integrity checks to find.
    PERFORM api.artifact_create(name => 'summary-copy.json', uri => 's3://ai-results/copies/summary.json',
        tool_id => (SELECT tool_id FROM orchestrator.tools WHERE name = 'text-summarizer' AND version = '1.9.0'),
        mime_type => 'application/json', size_bytes => 4096,
        checksum_sha256 => (SELECT checksum_sha256 FROM orchestrator.artifacts WHERE checksum_sha256 IS NOT NULL ORDER BY name LIMIT 1));

    -- A retired tool whose artifacts stay behind as orphans.
    doomed := (api.tool_create(name => 'legacy-ocr', version => '0.9.0', category => 'VISION', tags => '{vision,ocr}')).tool_id;
    PERFORM api.artifact_create(name => format('scan-%s.txt', k), uri => format('s3://ai-results/ocr/scan-%s.txt', k),
                                tool_id => doomed, mime_type => 'text/plain', size_bytes => 50000 * k)
    FROM generate_series(1, 4) k;
    PERFORM api.artifact_create(name => 'ocr-archive.zip', uri => 's3://ai-results/ocr/archive.zip', tool_id => doomed,
                                mime_type => 'application/zip', size_bytes => 320 * 1048576);
    DELETE FROM orchestrator.tools WHERE tool_id = doomed;  -- as a DBA: the api refuses a tool with artifacts
END
$seed$;
SELECT CASE WHEN n = 0 THEN 'sample data: already loaded (node executor-eu-1 exists), nothing added'
            ELSE format('sample data: added %s nodes, %s tools, %s tags, %s artifacts', n, t, g, a) END AS sample_report
FROM (SELECT (SELECT count(*) FROM orchestrator.nodes) - :before_nodes AS n, (SELECT count(*) FROM orchestrator.tools) - :before_tools AS t,
             (SELECT count(*) FROM orchestrator.tool_tags) - :before_tags AS g,
             (SELECT count(*) FROM orchestrator.artifacts) - :before_artifacts AS a) added \gset
\echo :sample_report

-- 2. A generated set for SCALE=n (set-based; orphans, stale and never-seen nodes included). --
SELECT (:scale > 0) AS generate \gset
\if :generate
SELECT clock_timestamp() AS generation_started,
       round(1000 * :scale)::int AS n_nodes, round(100000 * :scale)::int AS n_tools,
       round(1000000 * :artifacts_scale)::bigint AS n_artifacts, round(500000 * :artifacts_scale)::bigint AS n_invocations,
       (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser,
       (SELECT count(*) FROM orchestrator.tool_tags) AS before_tags \gset
BEGIN;
\if :superuser
-- A bulk load of generated rows that are consistent by construction: no triggers, so no audit
-- log of fixtures (and no per-row foreign key checks). Without superuser it all still runs.
SET LOCAL session_replication_role = replica;
\endif
CREATE TEMP TABLE gen_nodes ON COMMIT DROP AS
SELECT g AS i, gen_random_uuid() AS node_id FROM generate_series(1, :n_nodes) g;
INSERT INTO orchestrator.nodes (node_id, name, node_type, address, status, labels, created_at)
SELECT node_id, format('gen-node-%s', i),
       (ARRAY['TOOL_EXECUTOR', 'GPU_WORKER', 'DATA_LOADER', 'CPU_WORKER'])[1 + i % 4],
       format('http://10.%s.%s.%s:8080', (i / 65536) % 256, (i / 256) % 256, i % 256),
       CASE WHEN i % 50 = 0 THEN 'MAINTENANCE' WHEN i % 97 = 0 THEN 'ERROR' WHEN i % 31 = 0 THEN 'INACTIVE' ELSE 'ACTIVE' END,
       jsonb_build_object('zone', 'zone-' || (i % 6), 'rack', 'r' || (i % 40)),
       now() - make_interval(days => i % 365)
FROM gen_nodes;
-- Most nodes beat within the last minute; every 7th is stale, every 41st never beat.
INSERT INTO orchestrator.node_heartbeats (node_id, last_heartbeat_at, load)
SELECT node_id, now() - make_interval(secs => CASE WHEN i % 7 = 0 THEN 300 + (i * 7919) % 3600 ELSE (i * 7919) % 25 END),
       jsonb_build_object('cpu', (i * 37) % 100, 'running_jobs', i % 12)
FROM gen_nodes WHERE i % 41 <> 0;

CREATE TEMP TABLE gen_tools ON COMMIT DROP AS
SELECT g AS i, gen_random_uuid() AS tool_id FROM generate_series(1, :n_tools) g;
INSERT INTO orchestrator.tools (tool_id, name, version, description, category, input_schema, output_schema,
                                target_node_id, status, metadata, created_at)
SELECT t.tool_id,
       format('gen-tool-%s', t.i / 10),
       format('%s.%s.%s', (t.i % 10) / 4, t.i % 10, t.i % 3) || CASE WHEN t.i % 10 = 9 THEN '-rc.1' ELSE '' END,
       format('Generated tool %s', t.i),
       (ARRAY['NLP', 'VISION', 'AUDIO', 'ANALYSIS', 'GENERATION', 'RETRIEVAL', 'CODE', 'AGENT'])[1 + t.i % 8],
       jsonb_build_object('type', 'object', 'properties',
           jsonb_build_object('input_' || (t.i % 50), jsonb_build_object('type', 'string'),
                              'limit', jsonb_build_object('type', 'integer'))),
       jsonb_build_object('type', 'object', 'properties', jsonb_build_object('output_' || (t.i % 20), jsonb_build_object('type', 'string'))),
       CASE WHEN t.i % 25 = 0 THEN NULL ELSE n.node_id END,
       CASE WHEN t.i % 17 = 0 THEN 'DEPRECATED' WHEN t.i % 11 = 0 THEN 'INACTIVE' ELSE 'ACTIVE' END,
       jsonb_build_object('owner', 'team-' || (t.i % 30)),
       now() - make_interval(days => t.i % 365)
FROM gen_tools t
JOIN gen_nodes n ON n.i = 1 + t.i % :n_nodes;

-- (tool_name, tool_version_key: the tool's list order, which triggers copy when they run)
INSERT INTO orchestrator.tool_tags (tool_id, tag, tool_name, tool_version_key)
SELECT t.tool_id, format('tag-%s', (t.i * k * 7) % 200), o.name, o.version_key
FROM gen_tools t JOIN orchestrator.tools o ON o.tool_id = t.tool_id CROSS JOIN generate_series(1, 3) k
ON CONFLICT DO NOTHING;

INSERT INTO orchestrator.artifacts (tool_id, node_id, name, uri, mime_type, size_bytes, checksum_sha256, created_at)
SELECT CASE WHEN a % 50 = 0 THEN NULL ELSE t.tool_id END,
       n.node_id,
       format('artifact-%s.bin', a),
       format('s3://gen-artifacts/%s/%s.bin', a % 1000, a),
       (ARRAY['application/json', 'text/plain', 'image/png', 'application/octet-stream', 'audio/wav'])[1 + a % 5],
       CASE WHEN a % 1000 = 0 THEN 104857600 + (a * 7919) % 1073741824 ELSE (a * 7919) % 5242880 END,
       CASE WHEN a % 3 = 0 THEN encode(sha256(int8send(a)), 'hex') END,
       now() - make_interval(secs => (a * 31) % 31536000)
FROM generate_series(1::bigint, :n_artifacts) a
JOIN gen_tools t ON t.i = 1 + a % :n_tools
JOIN gen_nodes n ON n.i = 1 + a % :n_nodes;
-- Invocations as after weeks of work: nearly all finished, 1% waiting and 1% running (recent:
-- their leases are a few minutes old), each attempted one with its attempt.
WITH made AS (
    INSERT INTO orchestrator.invocations (tool_id, target_node_id, input, priority, submitter, submitted_by, run_after,
                                          max_attempts, state, attempt, node_id, lease_token, output, error,
                                          created_at, started_at, finished_at, updated_at)
    SELECT t.tool_id, o.target_node_id, jsonb_build_object('n', v), (v % 3)::int - 1, 'role:aio_writer', '{"role": "aio_writer"}',
           c.at, CASE WHEN s.state = 'DEAD' THEN 1 ELSE 3 END, s.state, CASE WHEN s.state = 'QUEUED' THEN 0 ELSE 1 END,
           CASE WHEN s.state <> 'QUEUED' THEN coalesce(o.target_node_id, n.node_id) END,
           CASE WHEN s.state = 'RUNNING' THEN gen_random_uuid() END,
           CASE WHEN s.state = 'SUCCEEDED' THEN jsonb_build_object('ok', true) END,
           CASE WHEN s.state IN ('FAILED', 'DEAD') THEN jsonb_build_object('code', 'UPSTREAM', 'message', 'generated') END,
           c.at, CASE WHEN s.state <> 'QUEUED' THEN c.at + interval '1 second' END,
           CASE WHEN s.state NOT IN ('QUEUED', 'RUNNING') THEN c.at + interval '3 seconds' END, c.at
    FROM generate_series(1::bigint, :n_invocations) v
    JOIN gen_tools t ON t.i = 1 + v % :n_tools
    JOIN orchestrator.tools o ON o.tool_id = t.tool_id
    JOIN gen_nodes n ON n.i = 1 + v % :n_nodes
    CROSS JOIN LATERAL (SELECT CASE v % 100 WHEN 0 THEN 'QUEUED' WHEN 1 THEN 'RUNNING' WHEN 2 THEN 'FAILED' WHEN 3 THEN 'DEAD'
                                            WHEN 4 THEN 'CANCELLED' ELSE 'SUCCEEDED' END AS state) s
    CROSS JOIN LATERAL (SELECT now() - make_interval(secs => CASE WHEN s.state IN ('QUEUED', 'RUNNING') THEN v % 600
                                                                  ELSE (v * 37) % 2592000 END) AS at) c
    RETURNING invocation_id, attempt, node_id, lease_token, state, started_at, finished_at, error
)
INSERT INTO orchestrator.invocation_attempts (invocation_id, attempt, node_id, lease_token, started_at, ended_at, outcome, error)
SELECT invocation_id, 1, node_id, coalesce(lease_token, gen_random_uuid()), started_at, finished_at,
       CASE state WHEN 'RUNNING' THEN NULL WHEN 'DEAD' THEN 'FAILED' ELSE state END, error
FROM made WHERE attempt = 1;
\if :superuser
-- The triggers that keep the tallies did not run: count them once, from the tables.
SELECT orchestrator.artifact_tallies_rebuild(), orchestrator.tool_tallies_rebuild();
\endif
COMMIT;
ANALYZE orchestrator.nodes, orchestrator.tools, orchestrator.tool_tags, orchestrator.artifacts,
        orchestrator.invocations, orchestrator.invocation_attempts;
SELECT format('generated SCALE=%s in %s s: added %s nodes, %s tools, %s tags, %s artifacts, %s invocations', :scale,
              round(extract(epoch FROM clock_timestamp() - :'generation_started'::timestamptz)::numeric, 1),
              :n_nodes, :n_tools, (SELECT count(*) FROM orchestrator.tool_tags) - :before_tags, :n_artifacts, :n_invocations) AS seed;
\endif
