-- ============================================================================
-- orm_ext walkthrough: enum lifecycle
-- ============================================================================
-- The seeds' ENUM(SessionStatus, name="session_status", schema="app",
-- create_type=False): the migration owns the type.  enum_create is
-- idempotent, so running the migration twice does not fail with "type
-- already exists".
CREATE SCHEMA app;
SELECT orm_ext.enum_create('app.session_status', ARRAY['active', 'expired', 'revoked']);
SELECT orm_ext.enum_create('app.session_status', ARRAY['active', 'expired', 'revoked']);

CREATE TABLE app.sessions (
    id uuid PRIMARY KEY DEFAULT orm_ext.uuidv7(),
    user_id uuid NOT NULL,
    status app.session_status NOT NULL DEFAULT 'active',
    revoked_reason text,
    CONSTRAINT sessions_revoked_has_reason
        CHECK (status <> 'revoked' OR revoked_reason IS NOT NULL)
);
CREATE INDEX sessions_live_by_user ON app.sessions (user_id) WHERE status = 'active';
CREATE VIEW app.live_sessions AS
    SELECT id, user_id FROM app.sessions WHERE status = 'active';
INSERT INTO app.sessions (user_id, status, revoked_reason) VALUES
    ('01a1fe93-87d8-7b9e-9cf9-1808e6b39e22', 'active', NULL),
    ('01a1fe93-87d8-7b9e-9cf9-1808e6b39e22', 'expired', NULL),
    ('01a1fe93-87d8-7b9e-9cf9-1808e6b39e23', 'active', NULL),
    ('01a1fe93-87d8-7b9e-9cf9-1808e6b39e23', 'revoked', 'password reset');

-- Reading: the labels in order, and request input checked without an
-- exception (NULL for an unknown label).
SELECT orm_ext.enum_values('app.session_status');
SELECT orm_ext.enum_try_cast('expired', NULL::app.session_status) AS known,
       orm_ext.enum_try_cast('EXPIRED', NULL::app.session_status) AS unknown;
-- Where each label is used, found from the catalogs, not from the models.
SELECT * FROM orm_ext.enum_usage('app.session_status');

-- A new status is a catalog change: no table lock, no rewrite.
SELECT relfilenode AS sessions_file FROM pg_class WHERE oid = 'app.sessions'::regclass \gset
SELECT orm_ext.enum_add_value('app.session_status', 'idle', after => 'active');
SELECT relfilenode = :sessions_file AS table_not_rewritten
FROM pg_class WHERE oid = 'app.sessions'::regclass;

-- PostgreSQL refuses a value in the transaction that added it (55P04), so
-- add it in one migration and use it in the next.
\set ON_ERROR_STOP 0
BEGIN;
SELECT orm_ext.enum_add_value('app.session_status', 'away', after => 'idle');
UPDATE app.sessions SET status = 'away' WHERE status = 'active';
ROLLBACK;
\set ON_ERROR_STOP 1
UPDATE app.sessions SET status = 'idle'
WHERE user_id = '01a1fe93-87d8-7b9e-9cf9-1808e6b39e23' AND status = 'active';

-- A rename is in place too; the CHECK constraint shows the new name.
SELECT orm_ext.enum_rename_value('app.session_status', 'revoked', 'logged_out');
SELECT pg_get_constraintdef(oid) AS check_constraint
FROM pg_constraint WHERE conname = 'sessions_revoked_has_reason';

-- Dropping a label that rows use is refused (2BP01) ...
\set ON_ERROR_STOP 0
SELECT orm_ext.enum_drop_value('app.session_status', 'idle');
\set ON_ERROR_STOP 1
-- ... unless they get a replacement.  The type is rebuilt and the table
-- rewritten once; the default, CHECK, partial index and view are kept.
SELECT orm_ext.enum_drop_value('app.session_status', 'idle', replace_with => 'active');
SELECT status, count(*) FROM app.sessions GROUP BY status ORDER BY status;
\d app.sessions
SELECT count(*) AS live FROM app.live_sessions;

-- Follow the Python enum: enum_diff shows the plan (and whether it
-- rewrites), enum_sync runs it.
SELECT * FROM orm_ext.enum_diff('app.session_status',
                                ARRAY['pending', 'active', 'expired', 'logged_out']);
SELECT orm_ext.enum_sync('app.session_status',
                         ARRAY['pending', 'active', 'expired', 'logged_out']);
SELECT * FROM orm_ext.enum_diff('app.session_status',
                                ARRAY['pending', 'active', 'revoked', 'expired'],
                                renames => '{"logged_out": "revoked"}');
SELECT orm_ext.enum_sync('app.session_status',
                         ARRAY['pending', 'active', 'revoked', 'expired'],
                         renames => '{"logged_out": "revoked"}');
SELECT orm_ext.enum_values('app.session_status');

DROP SCHEMA app CASCADE;
