--
-- Append-only tables: the output of the examples in docs/ledger.md.
--
CREATE TABLE credit_ledger (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id uuid NOT NULL,
    amount_cents bigint NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER credit_ledger_append_only
    BEFORE UPDATE OR DELETE ON credit_ledger
    FOR EACH ROW EXECUTE FUNCTION orm_ext.append_only();
CREATE TRIGGER credit_ledger_no_truncate
    BEFORE TRUNCATE ON credit_ledger
    FOR EACH STATEMENT EXECUTE FUNCTION orm_ext.append_only();
ALTER TABLE credit_ledger ENABLE ALWAYS TRIGGER credit_ledger_append_only;
ALTER TABLE credit_ledger ENABLE ALWAYS TRIGGER credit_ledger_no_truncate;

INSERT INTO credit_ledger (user_id, amount_cents)
VALUES ('01a1fe93-87d8-7b9e-9cf9-1808e6b39e22', 500),
       ('01a1fe93-87d8-7b9e-9cf9-1808e6b39e22', -200);

\set VERBOSITY default
UPDATE credit_ledger SET amount_cents = 5000;
DELETE FROM credit_ledger;
TRUNCATE credit_ledger;
SET session_replication_role = replica;
UPDATE credit_ledger SET amount_cents = 5000;
RESET session_replication_role;

-- the rows are unchanged
SELECT user_id, amount_cents FROM credit_ledger ORDER BY id;

-- hostile names are quoted in the message
CREATE SCHEMA "Books";
CREATE TABLE "Books"."order" (id int);
CREATE TRIGGER "keep" BEFORE DELETE ON "Books"."order"
    FOR EACH ROW EXECUTE FUNCTION orm_ext.append_only();
INSERT INTO "Books"."order" VALUES (1);
DELETE FROM "Books"."order";

-- misuse
SELECT orm_ext.append_only();
CREATE TRIGGER wrong BEFORE INSERT ON "Books"."order"
    FOR EACH ROW EXECUTE FUNCTION orm_ext.append_only();
INSERT INTO "Books"."order" VALUES (2);

DROP SCHEMA "Books" CASCADE;
DROP TABLE credit_ledger;

--
-- Ledgers: the walkthrough of docs/ledger.md on the seeds' schema.
--
CREATE TABLE users (
    id uuid PRIMARY KEY DEFAULT orm_ext.uuidv7(),
    email text NOT NULL UNIQUE
);
CREATE TABLE credit_ledger (
    id uuid PRIMARY KEY DEFAULT orm_ext.uuidv7(),
    user_id uuid NOT NULL REFERENCES users,
    amount_cents bigint NOT NULL,
    balance_after_cents bigint NOT NULL,
    reason text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO users (id, email) VALUES
    ('01a1fe93-87d8-7b9e-9cf9-1808e6b39e22', 'ada@example.com'),
    ('01a1fe93-87d8-7b9e-9cf9-1808e6b39e23', 'alan@example.com'),
    ('01a1fe93-87d8-7b9e-9cf9-1808e6b39e24', 'grace@example.com');
SELECT orm_ext.ledger_attach('credit_ledger',
                             account_column => 'user_id',
                             amount_column  => 'amount_cents',
                             balance_column => 'balance_after_cents',
                             allow_negative => false,
                             hash_chain     => true);
\d credit_ledger
SELECT ledger, account_column, amount_column, balance_column, seq_column,
       hash_column, allow_negative, hashed_columns
FROM orm_ext.ledgers;

INSERT INTO credit_ledger (user_id, amount_cents, reason) VALUES
    ('01a1fe93-87d8-7b9e-9cf9-1808e6b39e22', 5000, 'top-up'),
    ('01a1fe93-87d8-7b9e-9cf9-1808e6b39e22', -1200, 'report'),
    ('01a1fe93-87d8-7b9e-9cf9-1808e6b39e23', 300, 'welcome');
SELECT user_id, amount_cents, balance_after_cents, entry_seq
FROM credit_ledger ORDER BY user_id, entry_seq;

-- the balance is server-owned; overdrafts are refused
INSERT INTO credit_ledger (user_id, amount_cents, balance_after_cents, reason)
VALUES ('01a1fe93-87d8-7b9e-9cf9-1808e6b39e23', 100, 1000000, 'bonus');
SELECT orm_ext.ledger_balance('credit_ledger', '01a1fe93-87d8-7b9e-9cf9-1808e6b39e23');
INSERT INTO credit_ledger (user_id, amount_cents, reason)
VALUES ('01a1fe93-87d8-7b9e-9cf9-1808e6b39e23', -500, 'report');
UPDATE credit_ledger SET amount_cents = 0;

-- COPY goes through the same trigger: several rows for one account chain
COPY credit_ledger (user_id, amount_cents, reason) FROM stdin;
01a1fe93-87d8-7b9e-9cf9-1808e6b39e24	250	copy 1
01a1fe93-87d8-7b9e-9cf9-1808e6b39e24	-50	copy 2
01a1fe93-87d8-7b9e-9cf9-1808e6b39e24	25	copy 3
\.
SELECT amount_cents, balance_after_cents, entry_seq FROM credit_ledger
WHERE user_id = '01a1fe93-87d8-7b9e-9cf9-1808e6b39e24' ORDER BY entry_seq;

-- ledger_balance, ledger_post
SELECT orm_ext.ledger_balance('credit_ledger', '01a1fe93-87d8-7b9e-9cf9-1808e6b39e22'::uuid) AS ada,
       orm_ext.ledger_balance('credit_ledger', '01a1fe93-87d8-7b9e-9cf9-1808e6b39e25') AS nobody;
SELECT jsonb_path_query(
         orm_ext.ledger_post('credit_ledger', '[
           {"user_id": "01a1fe93-87d8-7b9e-9cf9-1808e6b39e22", "amount_cents": -700, "reason": "gift"},
           {"user_id": "01a1fe93-87d8-7b9e-9cf9-1808e6b39e24", "amount_cents": 700, "reason": "gift"}
         ]', balanced => true),
         '$[*].balance_after_cents');
SELECT orm_ext.ledger_post('credit_ledger', '[
  {"user_id": "01a1fe93-87d8-7b9e-9cf9-1808e6b39e22", "amount_cents": -700, "reason": "gift"}
]', balanced => true);

-- ledger_verify and ledger_digest: clean, then tampered with
SELECT * FROM orm_ext.ledger_verify('credit_ledger');
SELECT d->'accounts' AS accounts, length(d->>'root') AS root_hex_digits,
       jsonb_path_query_array(d, '$.heads[*].seq') AS seqs
FROM orm_ext.ledger_digest('credit_ledger') AS d;
SELECT orm_ext.ledger_digest('credit_ledger') AS digest \gset
ALTER TABLE credit_ledger DISABLE TRIGGER orm_ext_append_only;
UPDATE credit_ledger SET amount_cents = 50000
 WHERE user_id = '01a1fe93-87d8-7b9e-9cf9-1808e6b39e22' AND entry_seq = 1;
DELETE FROM credit_ledger
 WHERE user_id = '01a1fe93-87d8-7b9e-9cf9-1808e6b39e23' AND entry_seq = 1;
ALTER TABLE credit_ledger ENABLE ALWAYS TRIGGER orm_ext_append_only;
SELECT * FROM orm_ext.ledger_verify('credit_ledger', :'digest');

-- detach keeps the rows; dropping a ledger removes its heads
SELECT orm_ext.ledger_detach('credit_ledger');
SELECT count(*) AS rows_kept FROM credit_ledger;
SELECT count(*) AS ledgers FROM orm_ext.ledgers;
SELECT orm_ext.ledger_attach('credit_ledger', 'user_id', 'amount_cents', 'balance_after_cents');
DROP TABLE credit_ledger;
SELECT count(*) AS ledgers FROM orm_ext.ledgers;
SELECT count(*) AS heads_tables FROM pg_class
WHERE relnamespace = 'orm_ext'::regnamespace AND relname LIKE 'ledger_heads%' AND relkind = 'r';
DROP TABLE users;
