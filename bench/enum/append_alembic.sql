-- Append 'archived' with the rename-create-alter-drop recipe of the Alembic
-- plugin alembic-postgresql-enum (sync_enum_values).  The column default and
-- the partial index cannot survive the change of type (the default's and
-- the predicate's constants are of the old type), so they are dropped before
-- the ALTER and recreated after it, by hand, to reach the same end state as
-- orm_ext.
BEGIN;
ALTER TYPE bench.session_status RENAME TO session_status_old;
CREATE TYPE bench.session_status AS ENUM ('pending', 'active', 'suspended', 'closed', 'legacy', 'archived');
ALTER TABLE bench.sessions ALTER COLUMN status DROP DEFAULT;
DROP INDEX bench.sessions_open_idx;
ALTER TABLE bench.sessions ALTER COLUMN status TYPE bench.session_status
    USING status::text::bench.session_status;
ALTER TABLE bench.sessions ALTER COLUMN status SET DEFAULT 'pending'::bench.session_status;
CREATE INDEX sessions_open_idx ON bench.sessions (account_id) WHERE status IN ('pending', 'active');
DROP TYPE bench.session_status_old;
COMMIT;
