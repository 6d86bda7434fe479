-------------------------------------------------------------------------------
-- bench/ledger/bench.sql: objects for the ledger benchmark (run by
-- bench/ledger/run in a throwaway cluster that already has CREATE EXTENSION
-- orm_ext; plpgsql_ledger.sql is loaded after this file).
--
-- Two table shapes.  The minimal one, used by every part:
--
--   user_id             uuid   NOT NULL
--   amount_cents        bigint NOT NULL
--   balance_after_cents bigint NOT NULL DEFAULT 0
--   entry_seq           bigint NOT NULL DEFAULT 0
--
-- (plus entry_hash bytea NOT NULL, which ledger_attach adds, for the hashed
-- ledger only).  It has nothing but the ledger's columns, so the trigger's
-- cost is the largest share of an insert it can be.  The seeds' shape, used
-- by the OLTP part only (variants named seed_<variant>), is the
-- credit_ledger of docs/ledger.md's walkthrough without its foreign key to
-- users (whose check is a trigger, and the baselines have none):
--
--   id                  uuid        PRIMARY KEY DEFAULT orm_ext.uuidv7()
--   user_id             uuid        NOT NULL
--   amount_cents        bigint      NOT NULL
--   balance_after_cents bigint      NOT NULL DEFAULT 0
--   reason              text        NOT NULL
--   created_at          timestamptz NOT NULL DEFAULT now()
--   entry_seq           bigint      NOT NULL DEFAULT 0
--
-- The variants (of either shape):
--
--   plain        no trigger, no index
--   plain_idx    no trigger, UNIQUE (user_id, entry_seq)
--   orm_ext      orm_ext.ledger_attach(...), which creates the same unique
--                index (user_id, entry_seq) and its heads table
--   orm_ext_hash the same with hash_chain => true
--   orm_ext_noidx orm_ext.ledger_attach(..., seq_index => false): no index
--                on the ledger, the same table shape as plain (plus its
--                heads table)
--   plpgsql      bench.plpgsql_ledger_balance() as a BEFORE INSERT row
--                trigger, UNIQUE (user_id, entry_seq), heads table
--                bench.plpgsql_heads
--
-- Every insert sends user_id, amount_cents and entry_seq; the ledgers'
-- triggers overwrite entry_seq and balance_after_cents, the plain tables keep
-- what was sent.  So all variants run the same INSERT and store rows of the
-- same size.
--
-- Timings are taken inside the server with clock_timestamp().
-------------------------------------------------------------------------------

CREATE SCHEMA bench;

CREATE TABLE bench.bulk_result (
    variant text   NOT NULL,
    run     int    NOT NULL,   -- 0 is the warm-up
    nrows   bigint NOT NULL,
    ms      float8 NOT NULL,
    cancelled bool NOT NULL    -- hit statement_timeout: ms is a lower bound
);

CREATE TABLE bench.scan_result (
    variant text   NOT NULL,   -- orm_ext | orm_ext_hash
    run     int    NOT NULL,
    sum_ms  float8 NOT NULL,   -- SELECT sum(amount_cents)
    verify_ms float8 NOT NULL  -- SELECT count(*) FROM orm_ext.ledger_verify()
);

CREATE TABLE bench.oltp_result (
    part      text   NOT NULL, -- oltp | hot
    variant   text   NOT NULL,
    run       int    NOT NULL,
    seconds   int    NOT NULL,
    tps       float8 NOT NULL,
    latency_ms float8 NOT NULL,
    processed bigint NOT NULL, -- transactions pgbench counted
    failed    bigint NOT NULL, -- failed transactions pgbench counted
    nrows     bigint NOT NULL  -- rows in the table afterwards
);

CREATE TABLE bench.memory_result (
    variant    text   NOT NULL,
    nrows      bigint NOT NULL,
    ms         float8 NOT NULL,
    samples    int    NOT NULL,
    rss_start  bigint NOT NULL,   -- kB, VmRSS
    rss_peak   bigint NOT NULL,
    anon_start bigint NOT NULL,   -- kB, RssAnon (private memory)
    anon_10    bigint NOT NULL,   -- at 10%, 50%, 90% of the samples
    anon_50    bigint NOT NULL,
    anon_90    bigint NOT NULL,
    anon_peak  bigint NOT NULL,
    anon_end   bigint NOT NULL
);

-- The variant without its shape prefix: seed_orm_ext -> orm_ext.
CREATE FUNCTION bench.base_variant(variant text)
RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN left(variant, 5) = 'seed_' THEN substr(variant, 6) ELSE variant END
$$;

-- A fresh, empty table bench.<name> set up as variant: the seeds' shape for
-- seed_<variant>, the minimal shape otherwise.
CREATE FUNCTION bench.prepare(name text, variant text)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    tbl text := format('bench.%I', name);
BEGIN
    EXECUTE format('DROP TABLE IF EXISTS %s', tbl);
    IF bench.base_variant(variant) = variant THEN
        EXECUTE format(
            'CREATE TABLE %s (
                 user_id             uuid   NOT NULL,
                 amount_cents        bigint NOT NULL,
                 balance_after_cents bigint NOT NULL DEFAULT 0,
                 entry_seq           bigint NOT NULL DEFAULT 0)', tbl);
    ELSE
        EXECUTE format(
            'CREATE TABLE %s (
                 id                  uuid        PRIMARY KEY DEFAULT orm_ext.uuidv7(),
                 user_id             uuid        NOT NULL,
                 amount_cents        bigint      NOT NULL,
                 balance_after_cents bigint      NOT NULL DEFAULT 0,
                 reason              text        NOT NULL,
                 created_at          timestamptz NOT NULL DEFAULT now(),
                 entry_seq           bigint      NOT NULL DEFAULT 0)', tbl);
    END IF;
    CASE bench.base_variant(variant)
        WHEN 'plain' THEN
            NULL;
        WHEN 'plain_idx' THEN
            EXECUTE format('CREATE UNIQUE INDEX ON %s (user_id, entry_seq)', tbl);
        WHEN 'orm_ext' THEN
            PERFORM orm_ext.ledger_attach(tbl::regclass, 'user_id', 'amount_cents',
                                          'balance_after_cents');
        WHEN 'orm_ext_noidx' THEN
            PERFORM orm_ext.ledger_attach(tbl::regclass, 'user_id', 'amount_cents',
                                          'balance_after_cents', seq_index => false);
        WHEN 'orm_ext_hash' THEN
            PERFORM orm_ext.ledger_attach(tbl::regclass, 'user_id', 'amount_cents',
                                          'balance_after_cents', hash_chain => true);
        WHEN 'plpgsql' THEN
            TRUNCATE bench.plpgsql_heads;
            EXECUTE format('CREATE UNIQUE INDEX ON %s (user_id, entry_seq)', tbl);
            EXECUTE format('CREATE TRIGGER plpgsql_ledger_balance BEFORE INSERT ON %s
                            FOR EACH ROW EXECUTE FUNCTION bench.plpgsql_ledger_balance()', tbl);
    END CASE;
END
$$;

-- Part 2 and 4: the timed bulk insert into bench.bulk (prepared by the
-- caller): entry g goes to account g % accounts, whose uuid is
-- 00000000-0000-0000-0000-<account, 12 digits>.  With cancellable, a
-- statement_timeout (set by the caller) that cancels the insert is caught:
-- the insert is rolled back, the time until the cancel is recorded as a lower
-- bound, and the function returns false.  Without it, no subtransaction is
-- started and a cancel is an error like any other.
CREATE FUNCTION bench.bulk_run(variant text, run int, nrows bigint, accounts int,
                               cancellable bool DEFAULT false)
RETURNS bool
LANGUAGE plpgsql AS $$
DECLARE
    t0 timestamptz;
    t1 timestamptz;
    cancelled bool := false;
BEGIN
    t0 := clock_timestamp();
    IF NOT cancellable THEN
        INSERT INTO bench.bulk (user_id, amount_cents, entry_seq)
        SELECT ('00000000-0000-0000-0000-' || lpad((g % accounts)::text, 12, '0'))::uuid,
               (g % 97) - 40,
               g / accounts
        FROM generate_series(1, nrows) AS g;
    ELSE
        BEGIN
            INSERT INTO bench.bulk (user_id, amount_cents, entry_seq)
            SELECT ('00000000-0000-0000-0000-' || lpad((g % accounts)::text, 12, '0'))::uuid,
                   (g % 97) - 40,
                   g / accounts
            FROM generate_series(1, nrows) AS g;
        EXCEPTION WHEN query_canceled THEN
            cancelled := true;
        END;
    END IF;
    t1 := clock_timestamp();
    INSERT INTO bench.bulk_result
    VALUES (variant, run, nrows, extract(epoch FROM t1 - t0) * 1000, cancelled);
    RETURN NOT cancelled;
END
$$;

-- Part 4: sum(amount_cents) against ledger_verify() on the same table.  The
-- caller has already read the table once (hint bits are set).
CREATE FUNCTION bench.scan_run(variant text, run int)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    t0 timestamptz;
    t1 timestamptz;
    t2 timestamptz;
    s  numeric;
    c  bigint;
BEGIN
    t0 := clock_timestamp();
    SELECT sum(amount_cents) INTO s FROM bench.bulk;
    t1 := clock_timestamp();
    SELECT count(*) INTO c FROM orm_ext.ledger_verify('bench.bulk');
    t2 := clock_timestamp();
    IF c <> 0 THEN
        RAISE EXCEPTION 'ledger_verify(bench.bulk) reports % problems (%, run %)', c, variant, run
            USING DETAIL = (SELECT string_agg(format('%s #%s: %s', account, entry, problem), E'\n')
                            FROM (SELECT * FROM orm_ext.ledger_verify('bench.bulk') LIMIT 10) p);
    END IF;
    INSERT INTO bench.scan_result
    VALUES (variant, run, extract(epoch FROM t1 - t0) * 1000,
            extract(epoch FROM t2 - t1) * 1000);
END
$$;

-- Correctness of a table after a run, independent of ledger_verify(): the
-- row count, and for the ledgers (orm_ext*, plpgsql, of either shape) that
-- every account's entries are numbered 1, 2, 3, ... and that each balance is
-- the running sum of the amounts; for orm_ext*, also ledger_verify() and
-- ledger_balance(); for plpgsql, that the heads agree with the entries.
-- Raises an exception on the first problem found.
CREATE FUNCTION bench.check(name text, variant text, expected_rows bigint)
RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    tbl text := format('bench.%I', name);
    base text := bench.base_variant(variant);
    n   bigint;
    bad bigint;
    detail text;
BEGIN
    EXECUTE format('SELECT count(*) FROM %s', tbl) INTO n;
    IF expected_rows IS NOT NULL AND n <> expected_rows THEN
        RAISE EXCEPTION '%: % rows, expected % (%)', tbl, n, expected_rows, variant;
    END IF;
    IF base IN ('plain', 'plain_idx') THEN
        RETURN n;
    END IF;

    EXECUTE format(
        'SELECT count(*), string_agg(format(''%%s #%%s: balance %%s, running sum %%s, position %%s'',
                                            user_id, entry_seq, balance_after_cents, running, pos), E''\n'')
         FROM (SELECT user_id, entry_seq, balance_after_cents,
                      sum(amount_cents) OVER w AS running,
                      row_number() OVER w AS pos
               FROM %s
               WINDOW w AS (PARTITION BY user_id ORDER BY entry_seq
                            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)) s
         WHERE balance_after_cents <> running OR entry_seq <> pos', tbl)
        INTO bad, detail;
    IF bad <> 0 THEN
        RAISE EXCEPTION '%: % entries with a wrong balance or seq (%)', tbl, bad, variant
            USING DETAIL = left(detail, 2000);
    END IF;

    IF base LIKE 'orm_ext%' THEN
        SELECT count(*) INTO bad FROM orm_ext.ledger_verify(tbl::regclass);
        IF bad <> 0 THEN
            SELECT string_agg(format('%s #%s: %s', account, entry, problem), E'\n')
            INTO detail
            FROM (SELECT * FROM orm_ext.ledger_verify(tbl::regclass) LIMIT 10) p;
            RAISE EXCEPTION '%: ledger_verify reports % problems (%)', tbl, bad, variant
                USING DETAIL = detail;
        END IF;
        EXECUTE format(
            'SELECT count(*) FROM (SELECT user_id, sum(amount_cents) AS total
                                   FROM %s GROUP BY user_id) s
             WHERE orm_ext.ledger_balance(%L::regclass, s.user_id) <> s.total', tbl, tbl)
            INTO bad;
        IF bad <> 0 THEN
            RAISE EXCEPTION '%: ledger_balance differs from sum(amount_cents) for % accounts (%)',
                tbl, bad, variant;
        END IF;
    ELSE
        EXECUTE format(
            'SELECT count(*) FROM (SELECT user_id, sum(amount_cents) AS total, count(*) AS entries
                                   FROM %s GROUP BY user_id) s
             FULL JOIN bench.plpgsql_heads h USING (user_id)
             WHERE h.balance IS DISTINCT FROM s.total OR h.seq IS DISTINCT FROM s.entries', tbl)
            INTO bad;
        IF bad <> 0 THEN
            RAISE EXCEPTION '%: % heads differ from the entries (%)', tbl, bad, variant;
        END IF;
    END IF;
    RETURN n;
END
$$;
