-- Drop 'legacy', its rows become 'closed': the rename-create-alter-drop
-- recipe of alembic-postgresql-enum with the replacement in a CASE in USING
-- (what its enum_values_to_rename generates), no separate UPDATE; the
-- default and the partial index dropped and recreated by hand as in
-- append_alembic.sql.
BEGIN;
ALTER TYPE bench.session_status RENAME TO session_status_old;
CREATE TYPE bench.session_status AS ENUM ('pending', 'active', 'suspended', 'closed');
ALTER TABLE bench.sessions ALTER COLUMN status DROP DEFAULT;
DROP INDEX bench.sessions_open_idx;
ALTER TABLE bench.sessions ALTER COLUMN status TYPE bench.session_status
    USING CASE WHEN status::text = 'legacy' THEN 'closed'::bench.session_status
               ELSE status::text::bench.session_status END;
ALTER TABLE bench.sessions ALTER COLUMN status SET DEFAULT 'pending'::bench.session_status;
CREATE INDEX sessions_open_idx ON bench.sessions (account_id) WHERE status IN ('pending', 'active');
DROP TYPE bench.session_status_old;
COMMIT;
