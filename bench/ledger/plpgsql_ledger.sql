-------------------------------------------------------------------------------
-- bench/ledger/plpgsql_ledger.sql: the PL/pgSQL baseline of the ledger
-- benchmark, the running-balance trigger an application would write without
-- orm_ext.  Loaded by bench/ledger/run after bench.sql (schema bench exists).
--
-- One heads table holds every account's balance and entry count.  The BEFORE
-- INSERT row trigger
--   1. updates the account's head: UPDATE ... RETURNING adds the amount and
--      counts the entry in one statement, locking the head row;
--   2. only when the account has no head yet: INSERT ... ON CONFLICT DO
--      NOTHING creates it (or, when a concurrent transaction is creating it,
--      waits for that one to commit and skips), then the UPDATE runs again;
--   3. sets NEW.balance_after_cents and NEW.entry_seq from the head.
-- Correct under concurrency in READ COMMITTED: a second transaction inserting
-- for the same account waits on the head's row lock, and its UPDATE then
-- re-reads the head as the first one committed it, so balances and entry
-- numbers chain exactly.  The lock is held until the end of the transaction.
--
-- Doing the UPDATE first and the INSERT ... ON CONFLICT only on a miss is the
-- faster order of the two usual ones: a known account, the common case,
-- costs one statement instead of two.  It makes the baseline stronger, not
-- weaker.
--
-- The table it serves must have the columns user_id uuid, amount_cents
-- bigint, balance_after_cents bigint and entry_seq bigint.  One table at a
-- time: the benchmark truncates the heads table whenever it creates a new
-- PL/pgSQL ledger table.
-------------------------------------------------------------------------------

CREATE TABLE bench.plpgsql_heads (
    user_id uuid   PRIMARY KEY,
    balance bigint NOT NULL,
    seq     bigint NOT NULL
);

CREATE FUNCTION bench.plpgsql_ledger_balance()
RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    b bigint;
    s bigint;
BEGIN
    IF NEW.user_id IS NULL OR NEW.amount_cents IS NULL THEN
        RAISE EXCEPTION 'ledger entries need user_id and amount_cents'
            USING ERRCODE = 'not_null_violation';
    END IF;

    UPDATE bench.plpgsql_heads
    SET balance = balance + NEW.amount_cents, seq = seq + 1
    WHERE user_id = NEW.user_id
    RETURNING balance, seq INTO b, s;

    IF NOT FOUND THEN
        INSERT INTO bench.plpgsql_heads (user_id, balance, seq)
        VALUES (NEW.user_id, 0, 0)
        ON CONFLICT (user_id) DO NOTHING;

        UPDATE bench.plpgsql_heads
        SET balance = balance + NEW.amount_cents, seq = seq + 1
        WHERE user_id = NEW.user_id
        RETURNING balance, seq INTO STRICT b, s;
    END IF;

    NEW.balance_after_cents := b;
    NEW.entry_seq := s;
    RETURN NEW;
END
$$;
