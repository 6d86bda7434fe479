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
