-- ============================================================================
-- orm_ext walkthrough: append-only tables
-- ============================================================================
-- "No UPDATE, No DELETE": the database refuses them, for every role.
CREATE TABLE demo_credit_ledger (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id uuid NOT NULL,
    amount_cents bigint NOT NULL
);
CREATE TRIGGER demo_credit_ledger_append_only
    BEFORE UPDATE OR DELETE ON demo_credit_ledger
    FOR EACH ROW EXECUTE FUNCTION orm_ext.append_only();
CREATE TRIGGER demo_credit_ledger_no_truncate
    BEFORE TRUNCATE ON demo_credit_ledger
    FOR EACH STATEMENT EXECUTE FUNCTION orm_ext.append_only();

INSERT INTO demo_credit_ledger (user_id, amount_cents)
VALUES (orm_ext.uuidv7(), 500), (orm_ext.uuidv7(), 1200);
SELECT * FROM demo_credit_ledger ORDER BY id;

-- Even the superuser running this demo is refused (SQLSTATE 23001):
\set ON_ERROR_STOP 0
UPDATE demo_credit_ledger SET amount_cents = 1000000;
DELETE FROM demo_credit_ledger;
TRUNCATE demo_credit_ledger;
\set ON_ERROR_STOP 1

SELECT count(*) AS rows_still_there FROM demo_credit_ledger;

-- Dropping the table is a schema change, not a data change: the owner may.
DROP TABLE demo_credit_ledger;

-- ============================================================================
-- Ledgers: balances the database computes
-- ============================================================================
-- The seeds' users and credit ledger.  The application never sends
-- balance_after_cents; ledger_attach makes the database compute it.
CREATE TABLE demo_users (
    id uuid PRIMARY KEY DEFAULT orm_ext.uuidv7(),
    email text NOT NULL UNIQUE
);
CREATE TABLE demo_ledger (
    id uuid PRIMARY KEY DEFAULT orm_ext.uuidv7(),
    user_id uuid NOT NULL REFERENCES demo_users,
    amount_cents bigint NOT NULL,
    balance_after_cents bigint NOT NULL,
    reason text NOT NULL
);
INSERT INTO demo_users (id, email) VALUES
    ('01a1fe93-87d8-7b9e-9cf9-1808e6b39e22', 'ada@example.com'),
    ('01a1fe93-87d8-7b9e-9cf9-1808e6b39e23', 'alan@example.com');
SELECT orm_ext.ledger_attach('demo_ledger', 'user_id', 'amount_cents',
                             'balance_after_cents',
                             allow_negative => false, hash_chain => true);

INSERT INTO demo_ledger (user_id, amount_cents, reason) VALUES
    ('01a1fe93-87d8-7b9e-9cf9-1808e6b39e22', 5000, 'top-up'),
    ('01a1fe93-87d8-7b9e-9cf9-1808e6b39e22', -1200, 'report'),
    ('01a1fe93-87d8-7b9e-9cf9-1808e6b39e23', 300, 'welcome');
SELECT user_id, amount_cents, balance_after_cents, entry_seq
FROM demo_ledger ORDER BY user_id, entry_seq;

-- A transfer: both entries or neither, accounts locked in one order.
SELECT orm_ext.ledger_post('demo_ledger', '[
  {"user_id": "01a1fe93-87d8-7b9e-9cf9-1808e6b39e22", "amount_cents": -800, "reason": "transfer"},
  {"user_id": "01a1fe93-87d8-7b9e-9cf9-1808e6b39e23", "amount_cents": 800, "reason": "transfer"}
]', balanced => true) -> 0 -> 'balance_after_cents' AS ada_after;
SELECT orm_ext.ledger_balance('demo_ledger', '01a1fe93-87d8-7b9e-9cf9-1808e6b39e23') AS alan;

-- Overdrafts and unbalanced postings are refused (23514):
\set ON_ERROR_STOP 0
INSERT INTO demo_ledger (user_id, amount_cents, reason)
VALUES ('01a1fe93-87d8-7b9e-9cf9-1808e6b39e23', -5000, 'too much');
SELECT orm_ext.ledger_post('demo_ledger',
    '[{"user_id": "01a1fe93-87d8-7b9e-9cf9-1808e6b39e22", "amount_cents": -1}]', true);
\set ON_ERROR_STOP 1

-- Tamper evidence: keep a digest, let the owner bypass the trigger, verify.
SELECT orm_ext.ledger_digest('demo_ledger') AS digest \gset
SELECT * FROM orm_ext.ledger_verify('demo_ledger');
ALTER TABLE demo_ledger DISABLE TRIGGER orm_ext_append_only;
UPDATE demo_ledger SET amount_cents = 50000
 WHERE user_id = '01a1fe93-87d8-7b9e-9cf9-1808e6b39e22' AND entry_seq = 1;
ALTER TABLE demo_ledger ENABLE ALWAYS TRIGGER orm_ext_append_only;
SELECT * FROM orm_ext.ledger_verify('demo_ledger', :'digest');

DROP TABLE demo_ledger, demo_users;
