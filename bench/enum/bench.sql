-------------------------------------------------------------------------------
-- bench/enum/bench.sql: objects for the enum benchmark (run by bench/enum/run
-- in a throwaway cluster that already has CREATE EXTENSION orm_ext).
--
-- Every run starts from a fresh copy of the same shape (bench.prepare):
--
--   CREATE TYPE bench.session_status AS ENUM
--       ('pending', 'active', 'suspended', 'closed', 'legacy');
--   CREATE TABLE bench.sessions (
--       id         bigint PRIMARY KEY,
--       account_id bigint NOT NULL,
--       status     bench.session_status NOT NULL DEFAULT 'pending',
--       created_at timestamptz NOT NULL,
--       note       text NOT NULL
--   );
--   CREATE INDEX sessions_open_idx ON bench.sessions (account_id)
--       WHERE status IN ('pending', 'active');
--
-- filled with nrows rows; the status is g % 20: 0-1 pending (10%), 2-9
-- active (40%), 10-12 suspended (15%), 13-18 closed (30%), 19 legacy (5%).
--
-- The migrations themselves are the files append_*.sql and drop_*.sql beside
-- this one; bench/enum/run times each from just before its BEGIN to just
-- after its COMMIT (clock_timestamp() of the same session, before and
-- after).  bench.snapshot records the state before a migration,
-- bench.check compares the state after it with what the migration must
-- produce.
-------------------------------------------------------------------------------

-- Some functions refer to bench.sessions, which bench.prepare creates.
SET check_function_bodies = off;

CREATE SCHEMA bench;

CREATE TABLE bench.result (
    part      text   NOT NULL,   -- append | drop
    variant   text   NOT NULL,
    run       int    NOT NULL,   -- 0 is the warm-up
    nrows     bigint NOT NULL,
    ms        float8 NOT NULL,   -- BEGIN .. COMMIT
    changed   bigint,            -- what enum_drop_value returned
    replaced  bigint NOT NULL,   -- rows that held the dropped label (0 for append)
    rewritten bool   NOT NULL,   -- the table's relfilenode changed
    table_bytes bigint NOT NULL  -- pg_table_size of bench.sessions before
);

-- The state of bench.sessions and its type before a migration.
CREATE TABLE bench.before (
    type_oid      oid    NOT NULL,
    labels        text[] NOT NULL,
    counts        jsonb  NOT NULL,   -- label -> rows
    nrows         bigint NOT NULL,
    heap_node     oid    NOT NULL,   -- relfilenodes
    pkey_node     oid    NOT NULL,
    partial_node  oid    NOT NULL,
    pkey_def      text   NOT NULL,   -- pg_get_indexdef
    partial_def   text   NOT NULL,
    default_expr  text   NOT NULL,
    table_bytes   bigint NOT NULL
);

CREATE FUNCTION bench.labels() RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$
    SELECT ARRAY['pending', 'active', 'suspended', 'closed', 'legacy']
$$;

-- A fresh type and table of nrows rows.  VACUUM (ANALYZE) and CHECKPOINT
-- follow in bench/enum/run (they cannot run in a function).
CREATE FUNCTION bench.prepare(nrows bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    DROP TABLE IF EXISTS bench.sessions;
    DROP TYPE IF EXISTS bench.session_status;
    DROP TYPE IF EXISTS bench.session_status_old;
    CREATE TYPE bench.session_status AS ENUM ('pending', 'active', 'suspended', 'closed', 'legacy');
    CREATE TABLE bench.sessions (
        id         bigint PRIMARY KEY,
        account_id bigint NOT NULL,
        status     bench.session_status NOT NULL DEFAULT 'pending',
        created_at timestamptz NOT NULL,
        note       text NOT NULL
    );
    INSERT INTO bench.sessions (id, account_id, status, created_at, note)
    SELECT g, g % 10007,
           (bench.labels())[CASE WHEN g % 20 < 2 THEN 1
                                 WHEN g % 20 < 10 THEN 2
                                 WHEN g % 20 < 13 THEN 3
                                 WHEN g % 20 < 19 THEN 4
                                 ELSE 5 END]::bench.session_status,
           timestamptz '2025-01-01 00:00:00+00' + g * interval '1 second',
           'session ' || g
      FROM generate_series(1, nrows) g;
    CREATE INDEX sessions_open_idx ON bench.sessions (account_id)
        WHERE status IN ('pending', 'active');
END
$$;

CREATE FUNCTION bench.counts() RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT coalesce(jsonb_object_agg(status::text, n), '{}')
      FROM (SELECT status, count(*) AS n FROM bench.sessions GROUP BY status) s
$$;

CREATE FUNCTION bench.node(rel regclass) RETURNS oid
LANGUAGE sql STABLE AS $$
    SELECT relfilenode FROM pg_class WHERE oid = rel
$$;

CREATE FUNCTION bench.default_expr() RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT pg_get_expr(d.adbin, d.adrelid)
      FROM pg_attrdef d
      JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
     WHERE d.adrelid = 'bench.sessions'::regclass AND a.attname = 'status'
$$;

-- Counts the rows of the partial index's predicate through the index.
CREATE FUNCTION bench.partial_count() RETURNS bigint
LANGUAGE sql STABLE
SET enable_seqscan = off
AS $$
    SELECT count(*) FROM bench.sessions WHERE status IN ('pending', 'active')
$$;

CREATE FUNCTION bench.snapshot() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE bench.before;
    INSERT INTO bench.before
    SELECT 'bench.session_status'::regtype::oid,
           orm_ext.enum_values('bench.session_status'),
           bench.counts(),
           (SELECT count(*) FROM bench.sessions),
           bench.node('bench.sessions'),
           bench.node('bench.sessions_pkey'),
           bench.node('bench.sessions_open_idx'),
           pg_get_indexdef('bench.sessions_pkey'::regclass),
           pg_get_indexdef('bench.sessions_open_idx'::regclass),
           bench.default_expr(),
           pg_table_size('bench.sessions');
END
$$;

-- Checks the state after a migration against bench.before and records the
-- timing.  part: append (the type gains 'archived' at the end) or drop
-- ('legacy' goes, its rows become 'closed').  rebuilds: whether the
-- variant is expected to rewrite the table.  changed: what the migration
-- returned as rows changed (enum_drop_value), or NULL.  Raises on the first
-- difference.
CREATE FUNCTION bench.check(part text, variant text, run int, rebuilds bool, ms float8, changed bigint)
RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    b bench.before;
    want_labels text[];
    want_counts jsonb;
    got jsonb;
    att record;
    idx record;
    rewritten bool;
BEGIN
    SELECT * INTO STRICT b FROM bench.before;
    IF part = 'append' THEN
        want_labels := b.labels || 'archived'::text;
        want_counts := b.counts;
    ELSIF part = 'drop' THEN
        want_labels := array_remove(b.labels, 'legacy');
        want_counts := (b.counts - 'legacy')
            || jsonb_build_object('closed', (b.counts->>'closed')::bigint
                                            + coalesce((b.counts->>'legacy')::bigint, 0));
    ELSE
        RAISE EXCEPTION 'unknown part %', part;
    END IF;

    IF to_regtype('bench.session_status') IS NULL THEN
        RAISE EXCEPTION '%/%: type bench.session_status is gone', part, variant;
    END IF;
    IF orm_ext.enum_values('bench.session_status') IS DISTINCT FROM want_labels THEN
        RAISE EXCEPTION '%/%: labels are %, expected %', part, variant,
            orm_ext.enum_values('bench.session_status'), want_labels;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_type WHERE typnamespace = 'bench'::regnamespace
                  AND typname <> 'session_status' AND typtype = 'e') THEN
        RAISE EXCEPTION '%/%: an old enum type is left behind', part, variant;
    END IF;
    IF (SELECT count(*) FROM bench.sessions) <> b.nrows THEN
        RAISE EXCEPTION '%/%: % rows, expected %', part, variant,
            (SELECT count(*) FROM bench.sessions), b.nrows;
    END IF;
    got := bench.counts();
    IF got <> want_counts THEN
        RAISE EXCEPTION '%/%: rows per label are %, expected %', part, variant, got, want_counts;
    END IF;
    IF part = 'drop' AND changed IS NOT NULL
       AND changed <> coalesce((b.counts->>'legacy')::bigint, 0) THEN
        RAISE EXCEPTION '%/%: the migration reported % rows changed, expected %', part, variant,
            changed, coalesce((b.counts->>'legacy')::bigint, 0);
    END IF;

    -- the column: type, NOT NULL, default
    SELECT a.atttypid, a.attnotnull INTO STRICT att
      FROM pg_attribute a
     WHERE a.attrelid = 'bench.sessions'::regclass AND a.attname = 'status';
    IF att.atttypid <> 'bench.session_status'::regtype THEN
        RAISE EXCEPTION '%/%: column status has type %', part, variant, att.atttypid::regtype;
    END IF;
    IF NOT att.attnotnull THEN
        RAISE EXCEPTION '%/%: column status lost NOT NULL', part, variant;
    END IF;
    IF bench.default_expr() IS DISTINCT FROM b.default_expr THEN
        RAISE EXCEPTION '%/%: default of status is %, was %', part, variant, bench.default_expr(), b.default_expr;
    END IF;

    -- the indexes: same definitions, valid
    IF to_regclass('bench.sessions_pkey') IS NULL OR to_regclass('bench.sessions_open_idx') IS NULL THEN
        RAISE EXCEPTION '%/%: an index is missing', part, variant;
    END IF;
    IF pg_get_indexdef('bench.sessions_pkey'::regclass) <> b.pkey_def
       OR pg_get_indexdef('bench.sessions_open_idx'::regclass) <> b.partial_def THEN
        RAISE EXCEPTION '%/%: index definitions changed: % / %', part, variant,
            pg_get_indexdef('bench.sessions_pkey'::regclass),
            pg_get_indexdef('bench.sessions_open_idx'::regclass);
    END IF;
    FOR idx IN SELECT indexrelid::regclass AS name FROM pg_index
                WHERE indrelid = 'bench.sessions'::regclass AND NOT (indisvalid AND indisready) LOOP
        RAISE EXCEPTION '%/%: index % is not valid', part, variant, idx.name;
    END LOOP;
    IF (SELECT count(*) FROM pg_index WHERE indrelid = 'bench.sessions'::regclass) <> 2 THEN
        RAISE EXCEPTION '%/%: bench.sessions has % indexes, expected 2', part, variant,
            (SELECT count(*) FROM pg_index WHERE indrelid = 'bench.sessions'::regclass);
    END IF;
    -- the partial index holds exactly the rows of its predicate
    IF bench.partial_count()
       <> coalesce((want_counts->>'pending')::bigint, 0) + coalesce((want_counts->>'active')::bigint, 0) THEN
        RAISE EXCEPTION '%/%: the partial index finds the wrong rows', part, variant;
    END IF;

    -- rewrite or not: the relfilenodes
    rewritten := bench.node('bench.sessions') <> b.heap_node;
    IF rebuilds THEN
        IF NOT rewritten THEN
            RAISE EXCEPTION '%/%: the table was expected to be rewritten, but its relfilenode is unchanged', part, variant;
        END IF;
        IF 'bench.session_status'::regtype::oid = b.type_oid THEN
            RAISE EXCEPTION '%/%: the type was expected to be rebuilt, but its OID is unchanged', part, variant;
        END IF;
    ELSE
        IF rewritten OR bench.node('bench.sessions_pkey') <> b.pkey_node
           OR bench.node('bench.sessions_open_idx') <> b.partial_node THEN
            RAISE EXCEPTION '%/%: the table or an index was rewritten (relfilenode changed)', part, variant;
        END IF;
        IF 'bench.session_status'::regtype::oid <> b.type_oid THEN
            RAISE EXCEPTION '%/%: the type was rebuilt (OID changed)', part, variant;
        END IF;
    END IF;

    INSERT INTO bench.result
    VALUES (part, variant, run, b.nrows, ms, changed,
            CASE WHEN part = 'drop' THEN coalesce((b.counts->>'legacy')::bigint, 0) ELSE 0 END,
            rewritten, b.table_bytes);
END
$$;
