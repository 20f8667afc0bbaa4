-- Deploy ai-orchestrator:data/artifact_tallies
-- requires: data/artifacts data/tools
-- Storage by category and the orphan and duplicate-checksum checks (api/monitoring) read maintained
-- figures, not every artifact (6 s and 3 s at 10,000,000 artifacts): per category, a folded tally
-- plus the changes written since the last fold. A write adds one change row per statement (no
-- row that every writer updates, so writers never queue on each other); now and then a writer
-- folds the changes into the tallies, one folder at a time, skipping when another is folding.
-- Duplicate checksums are settled by the fold, after the writes that made them committed, so two
-- transactions storing the same content at once are not missed.
BEGIN;
SET LOCAL ROLE aio_owner;

-- 1. The tables ------------------------------------------------------------------------------
CREATE TABLE orchestrator.artifact_tallies (
    category       text    NOT NULL,
    artifact_count bigint  NOT NULL,
    total_bytes    numeric NOT NULL,
    largest_bytes  bigint,
    CONSTRAINT artifact_tallies_pkey PRIMARY KEY (category)
);
-- Every fold updates a few rows of a small table.
ALTER TABLE orchestrator.artifact_tallies SET (fillfactor = 50, autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000);
COMMENT ON TABLE orchestrator.artifact_tallies IS
'Artifacts per tool category (or "orphaned"), folded from artifact_tally_changes: the exact figures are these plus the changes not folded yet (orchestrator.artifact_tallies_now()).';

CREATE TABLE orchestrator.artifact_tally_changes (
    category        text    NOT NULL,
    artifact_count  bigint  NOT NULL,
    total_bytes     numeric NOT NULL,
    largest_bytes   bigint,
    removed_largest bigint,
    checksums       text[]
);
-- Rows live until the next fold: vacuum after every thousand or so, not after 20% of the table.
ALTER TABLE orchestrator.artifact_tally_changes SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 1000,
                                                     toast.autovacuum_vacuum_scale_factor = 0, toast.autovacuum_vacuum_threshold = 1000);
COMMENT ON TABLE orchestrator.artifact_tally_changes IS
'What one statement did to the artifacts of a category: rows and bytes added (negative when removed), the largest added and the largest removed, and the checksums whose duplicates must be recounted. Append-only between folds.';

CREATE TABLE orchestrator.duplicate_checksums (
    checksum text NOT NULL,
    CONSTRAINT duplicate_checksums_pkey PRIMARY KEY (checksum)
);
COMMENT ON TABLE orchestrator.duplicate_checksums IS
'Checksums carried by more than one artifact, as of the last fold; checksums in unfolded changes are recounted on read.';

-- 2. Exact figures from the maintained state -----------------------------------------------------
CREATE FUNCTION orchestrator.checksums_shared(checksums text[]) RETURNS SETOF text
LANGUAGE sql STABLE AS $$
    -- At most two entries of artifacts_checksum_idx per checksum.
    SELECT c.checksum FROM pg_catalog.unnest(checksums) c(checksum)
    WHERE (SELECT pg_catalog.count(*) FROM (SELECT FROM orchestrator.artifacts a
                                            WHERE a.checksum_sha256 = c.checksum LIMIT 2) s) = 2
$$;
COMMENT ON FUNCTION orchestrator.checksums_shared(text[]) IS 'Those of the given checksums that more than one artifact carries.';

CREATE FUNCTION orchestrator.category_largest(category text, share numeric) RETURNS bigint
LANGUAGE sql STABLE AS $$
    -- A category with a fair share of the artifacts is met soon walking down from the largest
    -- artifact; a small one is cheaper to read through its tools.
    SELECT CASE
        WHEN category = 'orphaned' THEN
            (SELECT pg_catalog.max(a.size_bytes) FROM orchestrator.artifacts a WHERE a.tool_id IS NULL)
        WHEN share >= 0.01 THEN
            (SELECT a.size_bytes FROM orchestrator.artifacts a
             WHERE (SELECT t.category FROM orchestrator.tools t WHERE t.tool_id = a.tool_id) = category_largest.category
             ORDER BY a.size_bytes DESC LIMIT 1)
        ELSE
            (SELECT pg_catalog.max(a.size_bytes) FROM orchestrator.tools t
             JOIN orchestrator.artifacts a ON a.tool_id = t.tool_id WHERE t.category = category_largest.category)
    END
$$;
COMMENT ON FUNCTION orchestrator.category_largest(text, numeric) IS
'The largest artifact of a category (share: its fraction of all artifacts, which picks the cheaper way); used only after the largest one went.';

CREATE FUNCTION orchestrator.artifact_tallies_now()
RETURNS TABLE (category text, artifact_count bigint, total_bytes numeric, largest_bytes bigint)
LANGUAGE sql STABLE AS $$
    WITH summed AS (
        SELECT c.category, pg_catalog.sum(c.n)::bigint AS n, pg_catalog.sum(c.bytes) AS bytes,
               pg_catalog.max(c.largest) AS largest, pg_catalog.max(c.removed) AS removed
        FROM (SELECT t.category, t.artifact_count, t.total_bytes, t.largest_bytes, NULL::bigint
              FROM orchestrator.artifact_tallies t
              UNION ALL
              SELECT c.category, c.artifact_count, c.total_bytes, c.largest_bytes, c.removed_largest
              FROM orchestrator.artifact_tally_changes c) c(category, n, bytes, largest, removed)
        GROUP BY c.category
    )
    SELECT s.category, s.n, s.bytes,
           CASE WHEN s.removed >= s.largest
                THEN orchestrator.category_largest(s.category, s.n / NULLIF(pg_catalog.sum(s.n) OVER (), 0))
                ELSE s.largest END
    FROM summed s WHERE s.n > 0
$$;
COMMENT ON FUNCTION orchestrator.artifact_tallies_now() IS
'Exact artifact count, total, and largest size per tool category ("orphaned" for artifacts whose tool is gone): the folded tallies plus the changes since.';

CREATE FUNCTION orchestrator.duplicate_checksums_now() RETURNS SETOF text
LANGUAGE sql STABLE AS $$
    WITH pending AS MATERIALIZED (
        SELECT DISTINCT x.checksum FROM orchestrator.artifact_tally_changes c, pg_catalog.unnest(c.checksums) x(checksum)
    )
    SELECT d.checksum FROM orchestrator.duplicate_checksums d
    WHERE NOT EXISTS (SELECT FROM pending p WHERE p.checksum = d.checksum)
    UNION ALL
    SELECT s.checksum FROM orchestrator.checksums_shared(ARRAY(SELECT p.checksum FROM pending p)) s(checksum)
$$;
COMMENT ON FUNCTION orchestrator.duplicate_checksums_now() IS
'Checksums carried by more than one artifact, exactly: the folded set, with the checksums of unfolded changes recounted.';

-- 3. Folding -----------------------------------------------------------------------------------
CREATE FUNCTION orchestrator.artifact_tallies_fold(wait boolean DEFAULT false) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
    folded orchestrator.artifact_tally_changes[];
    recounted text[];
    shared text[];
BEGIN
    -- One folder at a time (the key is arbitrary but fixed); a writer that finds one busy goes on.
    IF wait THEN
        PERFORM pg_catalog.pg_advisory_xact_lock(1634296180);
    ELSIF NOT pg_catalog.pg_try_advisory_xact_lock(1634296180) THEN
        RETURN;
    END IF;
    -- Only committed changes (and this transaction's) are visible, so each is folded exactly once.
    WITH gone AS (DELETE FROM orchestrator.artifact_tally_changes c RETURNING c.*)
    SELECT pg_catalog.array_agg(g::orchestrator.artifact_tally_changes) INTO folded FROM gone g;
    IF folded IS NULL THEN
        RETURN;
    END IF;

    INSERT INTO orchestrator.artifact_tallies AS t (category, artifact_count, total_bytes, largest_bytes)
    SELECT f.category, pg_catalog.sum(f.artifact_count), pg_catalog.sum(f.total_bytes), pg_catalog.max(f.largest_bytes)
    FROM pg_catalog.unnest(folded) f GROUP BY f.category
    ON CONFLICT (category) DO UPDATE
    SET artifact_count = t.artifact_count + EXCLUDED.artifact_count,
        total_bytes = t.total_bytes + EXCLUDED.total_bytes,
        largest_bytes = GREATEST(t.largest_bytes, EXCLUDED.largest_bytes);
    DELETE FROM orchestrator.artifact_tallies t WHERE t.artifact_count = 0;
    -- Where the largest artifact of a category may have gone, find the new largest.
    UPDATE orchestrator.artifact_tallies t
    SET largest_bytes = orchestrator.category_largest(t.category,
            t.artifact_count / (SELECT pg_catalog.sum(a.artifact_count) FROM orchestrator.artifact_tallies a))
    FROM (SELECT f.category, pg_catalog.max(f.removed_largest) AS removed FROM pg_catalog.unnest(folded) f GROUP BY f.category) r
    WHERE r.category = t.category AND r.removed >= t.largest_bytes;

    -- The writes behind these changes have committed: a recount sees every copy.
    -- In index order: neighbouring probes share index pages.
    recounted := ARRAY(SELECT DISTINCT x FROM pg_catalog.unnest(folded) f, pg_catalog.unnest(f.checksums) x ORDER BY x);
    IF pg_catalog.cardinality(recounted) > 0 THEN
        shared := ARRAY(SELECT orchestrator.checksums_shared(recounted));
        DELETE FROM orchestrator.duplicate_checksums d WHERE d.checksum = ANY (recounted) AND d.checksum <> ALL (shared);
        INSERT INTO orchestrator.duplicate_checksums (checksum) SELECT pg_catalog.unnest(shared) ON CONFLICT DO NOTHING;
    END IF;
END
$$;
REVOKE ALL ON FUNCTION orchestrator.artifact_tallies_fold(boolean) FROM PUBLIC;
COMMENT ON FUNCTION orchestrator.artifact_tallies_fold(boolean) IS
'Folds the committed artifact_tally_changes into artifact_tallies and duplicate_checksums. Writers call it now and then, and skip it while another transaction folds (wait => true waits instead).
Example: SELECT orchestrator.artifact_tallies_fold(wait => true);';

CREATE FUNCTION orchestrator.artifact_tallies_rebuild() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
    -- Writers wait while the figures are recomputed (SHARE blocks INSERT, UPDATE, DELETE).
    LOCK TABLE orchestrator.tools, orchestrator.artifacts IN SHARE MODE;
    PERFORM pg_catalog.pg_advisory_xact_lock(1634296180);
    DELETE FROM orchestrator.artifact_tally_changes;
    DELETE FROM orchestrator.artifact_tallies;
    DELETE FROM orchestrator.duplicate_checksums;
    INSERT INTO orchestrator.artifact_tallies (category, artifact_count, total_bytes, largest_bytes)
    SELECT coalesce(t.category, 'orphaned'), pg_catalog.count(*), pg_catalog.sum(a.size_bytes), pg_catalog.max(a.size_bytes)
    FROM orchestrator.artifacts a LEFT JOIN orchestrator.tools t ON t.tool_id = a.tool_id
    GROUP BY 1;
    INSERT INTO orchestrator.duplicate_checksums (checksum)
    SELECT a.checksum_sha256 FROM orchestrator.artifacts a WHERE a.checksum_sha256 IS NOT NULL
    GROUP BY 1 HAVING pg_catalog.count(*) > 1;
END
$$;
REVOKE ALL ON FUNCTION orchestrator.artifact_tallies_rebuild() FROM PUBLIC;
COMMENT ON FUNCTION orchestrator.artifact_tallies_rebuild() IS
'Recomputes artifact_tallies and duplicate_checksums from the artifacts, blocking writers meanwhile. Needed only after writing artifacts with triggers off (session_replication_role = replica, as bench/seed.sql does).
Example: SELECT orchestrator.artifact_tallies_rebuild();';

-- 4. Triggers ------------------------------------------------------------------------------------
-- The trigger functions are neither SECURITY DEFINER nor pin search_path: writes reach the
-- tables through the api functions, which already run as the owner with search_path '', and
-- every name here is qualified. A definer with its own search_path saves and restores settings
-- on every call, which cost about 20% of a single artifact create.
CREATE FUNCTION orchestrator.artifacts_tally() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    changed bigint;
BEGIN
    IF TG_OP = 'INSERT' THEN
        -- Each case reads its transition tables directly: no arrays to build, and statements
        -- without parameters, whose plans are kept for the session.
        WITH recorded AS (
            INSERT INTO orchestrator.artifact_tally_changes (category, artifact_count, total_bytes, largest_bytes, checksums)
            SELECT coalesce(t.category, 'orphaned'), pg_catalog.count(*), pg_catalog.sum(r.size_bytes), pg_catalog.max(r.size_bytes),
                   pg_catalog.array_agg(DISTINCT r.checksum_sha256) FILTER (WHERE r.checksum_sha256 IS NOT NULL)
            FROM new_rows r LEFT JOIN orchestrator.tools t ON t.tool_id = r.tool_id
            GROUP BY 1
            RETURNING artifact_count
        )
        SELECT pg_catalog.sum(r.artifact_count) INTO changed FROM recorded r;
    ELSIF TG_OP = 'DELETE' THEN
        WITH recorded AS (
            INSERT INTO orchestrator.artifact_tally_changes (category, artifact_count, total_bytes, removed_largest, checksums)
            SELECT coalesce(t.category, 'orphaned'), -pg_catalog.count(*), -pg_catalog.sum(r.size_bytes), pg_catalog.max(r.size_bytes),
                   pg_catalog.array_agg(DISTINCT r.checksum_sha256) FILTER (WHERE r.checksum_sha256 IS NOT NULL)
            FROM old_rows r LEFT JOIN orchestrator.tools t ON t.tool_id = r.tool_id
            GROUP BY 1
            RETURNING -artifact_count AS removed
        )
        SELECT pg_catalog.sum(r.removed) INTO changed FROM recorded r;
    ELSE
        -- Only a change of category, size or checksum counts. A deleted tool's artifacts were
        -- moved to "orphaned" before ON DELETE SET NULL touched them (tools_orphan_artifacts): a
        -- tool that is gone reads as "orphaned", so that update is no change.
        WITH moved AS (
            SELECT v.category, v.size_bytes, v.checksum_sha256, v.k
            FROM old_rows o JOIN new_rows r ON r.artifact_id = o.artifact_id
            LEFT JOIN orchestrator.tools ot ON ot.tool_id = o.tool_id
            LEFT JOIN orchestrator.tools nt ON nt.tool_id = r.tool_id,
            LATERAL (VALUES (coalesce(ot.category, 'orphaned'), o.size_bytes, o.checksum_sha256, -1),
                            (coalesce(nt.category, 'orphaned'), r.size_bytes, r.checksum_sha256, 1)) v(category, size_bytes, checksum_sha256, k)
            WHERE coalesce(ot.category, 'orphaned') <> coalesce(nt.category, 'orphaned')
               OR o.size_bytes <> r.size_bytes OR o.checksum_sha256 IS DISTINCT FROM r.checksum_sha256
        ), recorded AS (
            INSERT INTO orchestrator.artifact_tally_changes (category, artifact_count, total_bytes, largest_bytes, removed_largest, checksums)
            SELECT m.category, pg_catalog.sum(m.k), pg_catalog.sum(m.k * m.size_bytes),
                   pg_catalog.max(m.size_bytes) FILTER (WHERE m.k > 0), pg_catalog.max(m.size_bytes) FILTER (WHERE m.k < 0),
                   pg_catalog.array_agg(DISTINCT m.checksum_sha256) FILTER (WHERE m.checksum_sha256 IS NOT NULL)
            FROM moved m GROUP BY m.category
            RETURNING pg_catalog.abs(artifact_count) AS n
        )
        SELECT pg_catalog.sum(r.n) INTO changed FROM recorded r;
    END IF;
    -- Fold about once per 256 artifacts changed: cheap for writers, and the unfolded rest stays
    -- small for readers.
    IF pg_catalog.random() * 256 < changed THEN
        PERFORM orchestrator.artifact_tallies_fold();
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION orchestrator.artifacts_tally() IS
'Statement trigger: records what an insert, update or delete did to the artifacts of each category (artifact_tally_changes), and folds now and then.';

CREATE TRIGGER artifacts_tally_insert AFTER INSERT ON orchestrator.artifacts
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION orchestrator.artifacts_tally();
CREATE TRIGGER artifacts_tally_update AFTER UPDATE ON orchestrator.artifacts
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION orchestrator.artifacts_tally();
CREATE TRIGGER artifacts_tally_delete AFTER DELETE ON orchestrator.artifacts
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION orchestrator.artifacts_tally();

CREATE FUNCTION orchestrator.tool_moves_artifacts() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    source text := OLD.category;
    target text := CASE WHEN TG_OP = 'DELETE' THEN 'orphaned' ELSE NEW.category END;
BEGIN
    -- Inserts of this tool's artifacts hold a key-share lock on it until they commit; FOR UPDATE
    -- waits for them, so the sum below sees every artifact counted under the old category.
    -- (A BEFORE DELETE trigger runs with the row already locked that way.)
    IF TG_OP = 'UPDATE' THEN
        PERFORM FROM orchestrator.tools t WHERE t.tool_id = NEW.tool_id FOR UPDATE;
    END IF;
    INSERT INTO orchestrator.artifact_tally_changes (category, artifact_count, total_bytes, largest_bytes, removed_largest)
    SELECT v.category, v.k * s.n, v.k * s.bytes, CASE WHEN v.k > 0 THEN s.largest END, CASE WHEN v.k < 0 THEN s.largest END
    FROM (SELECT pg_catalog.count(*) AS n, pg_catalog.sum(a.size_bytes) AS bytes, pg_catalog.max(a.size_bytes) AS largest
          FROM orchestrator.artifacts a WHERE a.tool_id = OLD.tool_id) s,
         (VALUES (source, -1), (target, 1)) v(category, k)
    WHERE s.n > 0;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NULL END;
END
$$;
COMMENT ON FUNCTION orchestrator.tool_moves_artifacts() IS
'Row trigger: a tool whose category changes takes its artifacts'' tallies to the new category; a deleted tool''s artifacts go to "orphaned".';
CREATE TRIGGER tools_orphan_artifacts BEFORE DELETE ON orchestrator.tools
    FOR EACH ROW EXECUTE FUNCTION orchestrator.tool_moves_artifacts();
CREATE TRIGGER tools_move_artifacts AFTER UPDATE OF category ON orchestrator.tools
    FOR EACH ROW WHEN (OLD.category IS DISTINCT FROM NEW.category) EXECUTE FUNCTION orchestrator.tool_moves_artifacts();

CREATE FUNCTION orchestrator.artifacts_tally_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM orchestrator.artifact_tally_changes;
    DELETE FROM orchestrator.artifact_tallies;
    DELETE FROM orchestrator.duplicate_checksums;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION orchestrator.artifacts_tally_truncate() IS 'TRUNCATE trigger: no artifacts, no tallies.';
CREATE TRIGGER artifacts_tally_truncate AFTER TRUNCATE ON orchestrator.artifacts
    FOR EACH STATEMENT EXECUTE FUNCTION orchestrator.artifacts_tally_truncate();

-- 5. The figures of the artifacts already there.
SELECT orchestrator.artifact_tallies_rebuild();
ANALYZE orchestrator.artifact_tallies, orchestrator.duplicate_checksums;

COMMIT;
