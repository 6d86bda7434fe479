-------------------------------------------------------------------------------
-- Append-only tables and ledgers (src/ledger.c).
--
-- Privileges: append_only() is a trigger function.  EXECUTE stays with
-- PUBLIC so that any table owner can protect their own tables; attaching a
-- trigger needs ownership of the table, and the function refuses changes
-- rather than making any.
-------------------------------------------------------------------------------

CREATE FUNCTION orm_ext.append_only()
RETURNS trigger
AS 'MODULE_PATHNAME', 'orm_ext_append_only'
LANGUAGE C;

COMMENT ON FUNCTION orm_ext.append_only() IS
    'trigger: rejects UPDATE, DELETE and TRUNCATE with SQLSTATE 23001, for every role';

-------------------------------------------------------------------------------
-- Ledgers (src/ledger/*.c): balances computed by the database.
--
-- Privileges: every function below is open to PUBLIC and checks what the
-- caller may do on the table it is given, as the server's own commands
-- would: ledger_attach()/ledger_detach() need ownership, ledger_post()
-- needs INSERT, ledger_balance()/ledger_verify()/ledger_digest() need
-- SELECT.  The heads tables and the registry belong to the extension's owner;
-- the functions reach them through a local user switch, never through
-- SECURITY DEFINER.
-------------------------------------------------------------------------------

-- The registry.  pg_dump keeps its rows (pg_extension_config_dump); regclass
-- columns are dumped by name, so a restore points them at the new tables.
CREATE TABLE orm_ext.ledgers (
    ledger          pg_catalog.regclass PRIMARY KEY,
    account_column  pg_catalog.name NOT NULL,
    amount_column   pg_catalog.name NOT NULL,
    balance_column  pg_catalog.name NOT NULL,
    seq_column      pg_catalog.name NOT NULL,
    hash_column     pg_catalog.name,
    allow_negative  pg_catalog.bool NOT NULL,
    hashed_columns  pg_catalog.name[],
    heads           pg_catalog.regclass NOT NULL UNIQUE,
    CHECK ((hash_column IS NULL) = (hashed_columns IS NULL))
);
SELECT pg_catalog.pg_extension_config_dump('orm_ext.ledgers', '');
GRANT SELECT ON orm_ext.ledgers TO PUBLIC;
COMMENT ON TABLE orm_ext.ledgers IS
    'orm_ext: the attached ledgers, their columns and heads tables (maintained by ledger_attach/ledger_detach)';

CREATE FUNCTION orm_ext.ledger_balance_trigger()
RETURNS trigger
AS 'MODULE_PATHNAME', 'orm_ext_ledger_balance_trigger'
LANGUAGE C;
COMMENT ON FUNCTION orm_ext.ledger_balance_trigger() IS
    'trigger (created by ledger_attach): sets each new entry''s balance, seq and hash from its account''s head';

CREATE FUNCTION orm_ext.ledger_flush_trigger()
RETURNS trigger
AS 'MODULE_PATHNAME', 'orm_ext_ledger_flush_trigger'
LANGUAGE C;
COMMENT ON FUNCTION orm_ext.ledger_flush_trigger() IS
    'trigger (created by ledger_attach): writes the heads a statement changed back, checking that no computed row was skipped';

CREATE FUNCTION orm_ext.ledger_attach(
    tbl pg_catalog.regclass,
    account_column pg_catalog.name,
    amount_column pg_catalog.name,
    balance_column pg_catalog.name,
    allow_negative pg_catalog.bool DEFAULT true,
    hash_chain pg_catalog.bool DEFAULT false,
    seq_column pg_catalog.name DEFAULT 'entry_seq',
    hash_column pg_catalog.name DEFAULT 'entry_hash',
    seq_index pg_catalog.bool DEFAULT true)
RETURNS void
AS 'MODULE_PATHNAME', 'orm_ext_ledger_attach'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION orm_ext.ledger_attach(pg_catalog.regclass, pg_catalog.name, pg_catalog.name, pg_catalog.name, pg_catalog.bool, pg_catalog.bool, pg_catalog.name, pg_catalog.name, pg_catalog.bool) IS
    'makes an empty table an append-only ledger whose balance column the database computes; idempotent';

CREATE FUNCTION orm_ext.ledger_detach(tbl pg_catalog.regclass)
RETURNS void
AS 'MODULE_PATHNAME', 'orm_ext_ledger_detach'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION orm_ext.ledger_detach(pg_catalog.regclass) IS
    'removes a ledger''s triggers, heads and registration; keeps its rows';

CREATE FUNCTION orm_ext.ledger_balance(tbl pg_catalog.regclass, account anyelement)
RETURNS pg_catalog.numeric
AS 'MODULE_PATHNAME', 'orm_ext_ledger_balance'
LANGUAGE C STABLE;
COMMENT ON FUNCTION orm_ext.ledger_balance(pg_catalog.regclass, anyelement) IS
    'current balance of an account (0 if it has no entries), read from its head in O(1)';

-- the same for an account given as text or as an untyped literal
CREATE FUNCTION orm_ext.ledger_balance(tbl pg_catalog.regclass, account pg_catalog.text)
RETURNS pg_catalog.numeric
AS 'MODULE_PATHNAME', 'orm_ext_ledger_balance'
LANGUAGE C STABLE;
COMMENT ON FUNCTION orm_ext.ledger_balance(pg_catalog.regclass, pg_catalog.text) IS
    'current balance of an account given in its text form (0 if it has no entries)';

CREATE FUNCTION orm_ext.ledger_post(
    tbl pg_catalog.regclass,
    entries pg_catalog.jsonb,
    balanced pg_catalog.bool DEFAULT false)
RETURNS pg_catalog.jsonb
AS 'MODULE_PATHNAME', 'orm_ext_ledger_post'
LANGUAGE C VOLATILE;
COMMENT ON FUNCTION orm_ext.ledger_post(pg_catalog.regclass, pg_catalog.jsonb, pg_catalog.bool) IS
    'inserts several entries atomically, locking their accounts in one canonical order; balanced => amounts must sum to 0';

CREATE FUNCTION orm_ext.ledger_verify(
    tbl pg_catalog.regclass,
    digest pg_catalog.jsonb DEFAULT NULL,
    OUT account pg_catalog.text,
    OUT entry pg_catalog.text,
    OUT problem pg_catalog.text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'orm_ext_ledger_verify'
LANGUAGE C STABLE ROWS 10;
COMMENT ON FUNCTION orm_ext.ledger_verify(pg_catalog.regclass, pg_catalog.jsonb) IS
    'checks balance chains, heads, hashes and an optional earlier digest; returns one row per problem, none when consistent';

CREATE FUNCTION orm_ext.ledger_digest(tbl pg_catalog.regclass)
RETURNS pg_catalog.jsonb
AS 'MODULE_PATHNAME', 'orm_ext_ledger_digest'
LANGUAGE C STABLE;
COMMENT ON FUNCTION orm_ext.ledger_digest(pg_catalog.regclass) IS
    'the per-account heads of a ledger and a root hash over them, to keep outside the database';

-- Dropping a ledger table drops its heads table and registration with it.
-- Dropping a column an attached ledger registered (its account, amount,
-- balance, seq or hash column, or a column its hash chain covers) is
-- refused: the ledger could neither compute nor verify again.
CREATE FUNCTION orm_ext.ledger_on_drop()
RETURNS event_trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r record;
BEGIN
    FOR r IN
        SELECT l.ledger::pg_catalog.oid AS ledger, l.heads::pg_catalog.oid AS heads,
               d.objsubid, d.address_names,
               ARRAY[l.account_column, l.amount_column, l.balance_column, l.seq_column]::pg_catalog.text[]
               OPERATOR(pg_catalog.||) pg_catalog.array_remove(ARRAY[l.hash_column], NULL)::pg_catalog.text[]
               OPERATOR(pg_catalog.||) COALESCE(l.hashed_columns, '{}'::pg_catalog.name[])::pg_catalog.text[]
                   AS used
        FROM orm_ext.ledgers l
        JOIN pg_catalog.pg_event_trigger_dropped_objects() d
          ON d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
         AND d.objid OPERATOR(pg_catalog.=) l.ledger::pg_catalog.oid
        -- columns first: a refusal must come before any registration goes
        ORDER BY d.objsubid DESC
    LOOP
        IF r.objsubid OPERATOR(pg_catalog.>) 0 THEN
            -- a dropped column's identity keeps its name: schema, table, column
            IF r.address_names[3] OPERATOR(pg_catalog.=) ANY (r.used) THEN
                RAISE EXCEPTION 'cannot drop column "%" of ledger %', r.address_names[3], r.ledger::pg_catalog.regclass
                    USING ERRCODE = '2BP01',
                          DETAIL = 'The ledger''s triggers or its hash chain use the column.',
                          HINT = 'Detach the ledger first with orm_ext.ledger_detach(); the data stays.';
            END IF;
            CONTINUE;
        END IF;
        DELETE FROM orm_ext.ledgers WHERE ledger::pg_catalog.oid OPERATOR(pg_catalog.=) r.ledger;
        IF EXISTS (SELECT FROM pg_catalog.pg_class WHERE oid OPERATOR(pg_catalog.=) r.heads) THEN
            EXECUTE pg_catalog.format('DROP TABLE %s', r.heads::pg_catalog.regclass);
        END IF;
    END LOOP;
END
$$;
REVOKE ALL ON FUNCTION orm_ext.ledger_on_drop() FROM PUBLIC;
COMMENT ON FUNCTION orm_ext.ledger_on_drop() IS
    'event trigger: when a ledger table is dropped, drops its heads table and registration; refuses dropping a column an attached ledger registered or hashes';
CREATE EVENT TRIGGER orm_ext_ledger_on_drop ON sql_drop
    EXECUTE FUNCTION orm_ext.ledger_on_drop();

-- Called by the ddl_command_start event trigger before DROP EXTENSION
-- orm_ext CASCADE (or DROP SCHEMA orm_ext CASCADE; see
-- orm_ext_model_ddl_command_start in src/model/model.c).  The cascade drops
-- the ledgers' triggers, which would leave their heads tables as the data of
-- nothing (orm_ext_ledger_on_drop goes with the extension), so they go
-- first.  Without CASCADE the server refuses the drop on the triggers.
CREATE FUNCTION orm_ext.ledger_before_drop_extension(cascade pg_catalog.bool)
RETURNS void
LANGUAGE plpgsql STRICT
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r record;
BEGIN
    IF NOT cascade THEN
        RETURN;
    END IF;
    FOR r IN SELECT l.ledger, l.heads FROM orm_ext.ledgers l
              WHERE EXISTS (SELECT FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) l.heads::pg_catalog.oid)
              ORDER BY l.heads::pg_catalog.oid LOOP
        RAISE NOTICE 'drop cascades to table %, the heads of ledger %', r.heads, r.ledger;
        EXECUTE pg_catalog.format('DROP TABLE %s', r.heads);
    END LOOP;
END
$$;
REVOKE ALL ON FUNCTION orm_ext.ledger_before_drop_extension(pg_catalog.bool) FROM PUBLIC;
COMMENT ON FUNCTION orm_ext.ledger_before_drop_extension(pg_catalog.bool) IS
    'event trigger helper: before DROP EXTENSION orm_ext CASCADE, drops the ledgers'' heads tables';

-- ALTER TABLE rewrites a table's rows without firing row triggers: a new
-- column's volatile default, or a column's type change with USING, would
-- change the rows of an append-only table past its append_only() trigger.
-- Refused while such a trigger on UPDATE is enabled; a rewrite that only
-- changes the storage (SET LOGGED, SET ACCESS METHOD) goes through.
-- SECURITY DEFINER, like ledger_on_drop(), so that DDL of roles that may not
-- use schema orm_ext never fails here; it reads the catalogs only.
CREATE FUNCTION orm_ext.append_only_on_rewrite()
RETURNS event_trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    tbl pg_catalog.oid := pg_catalog.pg_event_trigger_table_rewrite_oid();
    reason pg_catalog.int4 := pg_catalog.pg_event_trigger_table_rewrite_reason();
    trg pg_catalog.name;
BEGIN
    -- 2: a default value to fill in; 4: a column's values rewritten
    IF (reason OPERATOR(pg_catalog.&) 6) OPERATOR(pg_catalog.=) 0 THEN
        RETURN;
    END IF;
    SELECT t.tgname INTO trg
    FROM pg_catalog.pg_trigger t
    WHERE t.tgrelid OPERATOR(pg_catalog.=) tbl
      AND t.tgfoid OPERATOR(pg_catalog.=) 'orm_ext.append_only()'::pg_catalog.regprocedure
      AND t.tgenabled OPERATOR(pg_catalog.<>) 'D'
      -- one that refuses UPDATE (TRIGGER_TYPE_UPDATE), not the TRUNCATE one
      AND (t.tgtype::pg_catalog.int4 OPERATOR(pg_catalog.&) 16) OPERATOR(pg_catalog.<>) 0
    ORDER BY t.tgname
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'cannot rewrite the rows of append-only table %', tbl::pg_catalog.regclass
            USING ERRCODE = '23001',
                  DETAIL = 'ALTER TABLE would change existing rows without firing trigger '
                           OPERATOR(pg_catalog.||) pg_catalog.quote_ident(trg) OPERATOR(pg_catalog.||) '.',
                  HINT = 'Disable that trigger for the change if it is intended (ALTER TABLE ... DISABLE TRIGGER), and enable it again after.';
    END IF;
END
$$;
REVOKE ALL ON FUNCTION orm_ext.append_only_on_rewrite() FROM PUBLIC;
COMMENT ON FUNCTION orm_ext.append_only_on_rewrite() IS
    'event trigger: refuses ALTER TABLE rewrites that change the rows of a table protected by append_only()';
CREATE EVENT TRIGGER orm_ext_append_only_on_rewrite ON table_rewrite
    EXECUTE FUNCTION orm_ext.append_only_on_rewrite();
