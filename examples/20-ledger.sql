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
