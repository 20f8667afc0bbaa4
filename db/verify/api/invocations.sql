-- Verify ai-orchestrator:api/invocations
SELECT 'api.invocation_submit(uuid, text, text, jsonb, integer, text, timestamptz, integer, integer, integer, uuid[])'::regprocedure,
       'api.invocation_get(uuid)'::regprocedure,
       'api.invocation_list(text, uuid, uuid, integer, text)'::regprocedure,
       'api.invocation_queue()'::regprocedure,
       'api.invocation_cancel(uuid, text)'::regprocedure,
       'api.node_claim(uuid, integer, integer, text)'::regprocedure,
       'api.invocation_complete(uuid, uuid, jsonb, jsonb)'::regprocedure,
       'api.invocation_complete_batch(jsonb)'::regprocedure,
       'api.invocation_fail(uuid, uuid, jsonb, boolean)'::regprocedure,
       'api.invocation_release(uuid, uuid)'::regprocedure,
       'api.invocations_sweep(integer)'::regprocedure,
       'api.invocations_purge(integer)'::regprocedure,
       'api.artifact_lineage(uuid)'::regprocedure,
       'api.tool_invocation_settings_get(uuid)'::regprocedure,
       'api.tool_invocation_settings_update(uuid, integer, boolean)'::regprocedure,
       'orchestrator.invocations_sweep_batch(integer)'::regprocedure;
SELECT 1 / pg_catalog.has_function_privilege('aio_writer', 'api.invocation_submit(uuid, text, text, jsonb, integer, text, timestamptz, integer, integer, integer, uuid[])', 'EXECUTE')::int;
SELECT 1 / pg_catalog.has_function_privilege('aio_node', 'api.node_claim(uuid, integer, integer, text)', 'EXECUTE')::int;
SELECT 1 / (NOT pg_catalog.has_function_privilege('aio_reader', 'api.node_claim(uuid, integer, integer, text)', 'EXECUTE'))::int;
SELECT 1 / (NOT pg_catalog.has_function_privilege('aio_writer', 'api.invocations_sweep(integer)', 'EXECUTE'))::int;
DO $$ BEGIN
    ASSERT orchestrator.invocation_retry_delay(1) BETWEEN interval '1 second' AND interval '2 seconds';
    ASSERT orchestrator.invocation_retry_delay(30) BETWEEN interval '150 seconds' AND interval '300 seconds';
END $$;
