-- The ledger's trigger functions refuse to run anywhere but where
-- ledger_attach() puts them: called directly (0A000), declared with another
-- timing, level or event (39P01), or on a table that is not a ledger (42704).
BEGIN;
CREATE EXTENSION orm_ext;
SELECT plan(7);

SELECT throws_ok($$SELECT orm_ext.ledger_balance_trigger()$$, '0A000',
                 'ledger_balance_trigger() can only be called as a trigger',
                 'ledger_balance_trigger() called directly: 0A000');
SELECT throws_ok($$SELECT orm_ext.ledger_flush_trigger()$$, '0A000',
                 'ledger_flush_trigger() can only be called as a trigger',
                 'ledger_flush_trigger() called directly: 0A000');

CREATE TABLE "Mis Used" (acct text NOT NULL, amt bigint NOT NULL, bal bigint, entry_seq bigint);

-- the balance trigger declared AFTER, and FOR EACH STATEMENT
CREATE TRIGGER wrong_timing AFTER INSERT ON "Mis Used"
    FOR EACH ROW EXECUTE FUNCTION orm_ext.ledger_balance_trigger();
SELECT throws_ok($$INSERT INTO "Mis Used" VALUES ('a', 1)$$, '39P01', NULL,
                 'ledger_balance_trigger() fired AFTER: 39P01');
DROP TRIGGER wrong_timing ON "Mis Used";
CREATE TRIGGER wrong_level BEFORE INSERT ON "Mis Used"
    FOR EACH STATEMENT EXECUTE FUNCTION orm_ext.ledger_balance_trigger();
SELECT throws_ok($$INSERT INTO "Mis Used" VALUES ('a', 1)$$, '39P01', NULL,
                 'ledger_balance_trigger() fired FOR EACH STATEMENT: 39P01');
DROP TRIGGER wrong_level ON "Mis Used";

-- the flush trigger declared BEFORE ... FOR EACH ROW
CREATE TRIGGER wrong_flush BEFORE INSERT ON "Mis Used"
    FOR EACH ROW EXECUTE FUNCTION orm_ext.ledger_flush_trigger();
SELECT throws_ok($$INSERT INTO "Mis Used" VALUES ('a', 1)$$, '39P01', NULL,
                 'ledger_flush_trigger() fired BEFORE ROW: 39P01');
DROP TRIGGER wrong_flush ON "Mis Used";

-- correctly declared, but on a table that was never attached
CREATE TRIGGER stray BEFORE INSERT ON "Mis Used"
    FOR EACH ROW EXECUTE FUNCTION orm_ext.ledger_balance_trigger();
SELECT throws_ok($$INSERT INTO "Mis Used" VALUES ('a', 1)$$, '42704',
                 'table public."Mis Used" is not an orm_ext ledger',
                 'the balance trigger on a table that is not a ledger: 42704, naming it quoted');
SELECT is((SELECT count(*) FROM "Mis Used"), 0::bigint, 'and nothing was inserted');

SELECT * FROM finish();
ROLLBACK;
