--
-- Row-level security helpers: the output of the examples in docs/rls.md, on
-- the seeds' users/posts.  Roles are cluster-wide, so every role here has the
-- prefix regress_orm_ext_rls and is dropped at the end; the policies are
-- given those roles instead of the default app_user/app_system.  CONTEXT
-- lines (PL/pgSQL line numbers) are left out.
--
\set SHOW_CONTEXT never

-- the functions: SECURITY INVOKER, executable by PUBLIC
SELECT p.proname, l.lanname AS language, p.provolatile AS volatile, p.proparallel AS parallel,
       p.proisstrict AS strict, p.prosecdef AS security_definer,
       has_function_privilege('public', p.oid, 'EXECUTE') AS public_execute
FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
WHERE p.pronamespace = 'orm_ext'::regnamespace
  AND (p.proname LIKE 'rls\_%' OR p.proname LIKE '%context' OR p.proname LIKE '%tenant\_isolation'
       OR p.proname = 'setup_roles')
ORDER BY p.proname;

-------------------------------------------------------------------------------
-- setup_roles
-------------------------------------------------------------------------------
SELECT orm_ext.setup_roles('regress_orm_ext_rls');
SELECT orm_ext.setup_roles('regress_orm_ext_rls');   -- idempotent
SELECT rolname, rolcanlogin, rolsuper, rolbypassrls, rolinherit,
       shobj_description(oid, 'pg_authid') AS comment
FROM pg_roles WHERE rolname LIKE 'regress\_orm\_ext\_rls\_%' ORDER BY rolname;
-- USAGE on orm_ext is granted by name, not only through PUBLIC
SELECT a.grantee::regrole AS grantee, a.privilege_type
FROM pg_namespace n, aclexplode(n.nspacl) a
WHERE n.nspname = 'orm_ext' AND a.grantee <> 0
  AND pg_get_userbyid(a.grantee) LIKE 'regress\_orm\_ext\_rls\_%'
ORDER BY 1;

-- bad prefixes
SELECT orm_ext.setup_roles(NULL);
SELECT orm_ext.setup_roles('');
SELECT orm_ext.setup_roles(repeat('x', 57));
-- a role of that name with the wrong attributes: refused, nothing created
CREATE ROLE regress_orm_ext_rls_bad_admin NOLOGIN;
SELECT orm_ext.setup_roles('regress_orm_ext_rls_bad');
SELECT rolname FROM pg_roles WHERE rolname LIKE 'regress\_orm\_ext\_rls\_bad\_%' ORDER BY 1;
-- a caller without CREATEROLE; with CREATEROLE, BYPASSRLS still needs a
-- superuser on PostgreSQL 15; nothing is created either way
CREATE ROLE regress_orm_ext_rls_owner NOLOGIN;
CREATE ROLE regress_orm_ext_rls_creator NOLOGIN CREATEROLE;
SET ROLE regress_orm_ext_rls_owner;
SELECT orm_ext.setup_roles('regress_orm_ext_rls_new');
SELECT orm_ext.setup_roles('regress_orm_ext_rls');   -- they exist: nothing to do, no privilege needed
SET ROLE regress_orm_ext_rls_creator;
SELECT orm_ext.setup_roles('regress_orm_ext_rls_new');
RESET ROLE;
SELECT count(*) AS created FROM pg_roles WHERE rolname LIKE 'regress\_orm\_ext\_rls\_new\_%';

-------------------------------------------------------------------------------
-- request context
-------------------------------------------------------------------------------
SELECT orm_ext.context('app.user_id') IS NULL AS unset;
-- outside a transaction block it lasts for the statement only, and warns
SELECT orm_ext.set_context('app.user_id', '1');
SELECT orm_ext.context('app.user_id') IS NULL AS gone;
\set VERBOSITY sqlstate
SELECT orm_ext.clear_context('app.user_id');
\set VERBOSITY default
BEGIN;
SELECT orm_ext.set_context('app.user_id', '1');
SELECT orm_ext.context('app.user_id'), current_setting('app.user_id');
SELECT orm_ext.set_context('app.user_id', NULL);     -- NULL clears
SELECT orm_ext.context('app.user_id') IS NULL AS cleared,
       current_setting('app.user_id') = '' AS setting_is_empty;
SELECT orm_ext.set_context('app.user_id', '2');
SELECT orm_ext.clear_context('app.user_id');
SELECT orm_ext.context('app.user_id') IS NULL AS cleared;
COMMIT;
-- the '' a finished SET LOCAL leaves behind counts as unset
BEGIN;
SET LOCAL app.tenant = 'acme';
SELECT orm_ext.context('app.tenant');
COMMIT;
SELECT current_setting('app.tenant') = '' AS left_empty, orm_ext.context('app.tenant') IS NULL AS unset;
-- quotes and unicode in keys and values
BEGIN;
SELECT orm_ext.set_context('app.café', 'Zoë''s "tenant"');
SELECT orm_ext.context('app.café');
ROLLBACK;
-- keys must be custom setting names
SELECT orm_ext.context('user_id');
SELECT orm_ext.set_context('search_path', 'evil');
BEGIN;
SELECT orm_ext.set_context('app.user id', '1');
ROLLBACK;
BEGIN;
SELECT orm_ext.set_context('orm_ext.user_id', '1');
ROLLBACK;
SELECT orm_ext.set_context(NULL, '1');
SELECT orm_ext.clear_context(NULL);
SELECT orm_ext.context(NULL) IS NULL AS strict;

-------------------------------------------------------------------------------
-- enable_tenant_isolation on the seeds' users/posts, owned by a plain role
-------------------------------------------------------------------------------
CREATE SCHEMA rls AUTHORIZATION regress_orm_ext_rls_owner;
SET ROLE regress_orm_ext_rls_owner;
CREATE TABLE rls.users (
    id serial PRIMARY KEY,
    email varchar(255) NOT NULL UNIQUE
);
CREATE TABLE rls.posts (
    id serial PRIMARY KEY,
    title varchar(255) NOT NULL,
    body text,
    author_id integer NOT NULL REFERENCES rls.users (id)
);
INSERT INTO rls.users (email) VALUES ('ada@example.com'), ('grace@example.com');
INSERT INTO rls.posts (title, author_id) VALUES
    ('ada: notes', 1), ('ada: draft', 1), ('grace: compilers', 2);
GRANT USAGE ON SCHEMA rls TO regress_orm_ext_rls_user, regress_orm_ext_rls_system, regress_orm_ext_rls_admin;
GRANT SELECT, INSERT, UPDATE, DELETE ON rls.posts
    TO regress_orm_ext_rls_user, regress_orm_ext_rls_system, regress_orm_ext_rls_admin;
GRANT USAGE ON SEQUENCE rls.posts_id_seq TO regress_orm_ext_rls_user, regress_orm_ext_rls_system;
GRANT SELECT ON rls.users TO regress_orm_ext_rls_user, regress_orm_ext_rls_system, regress_orm_ext_rls_admin;

-- no index leads with author_id yet: a WARNING
SELECT orm_ext.enable_tenant_isolation('rls.posts', 'author_id',
                                       roles => '{regress_orm_ext_rls_user,regress_orm_ext_rls_system}');
CREATE INDEX posts_author_id_idx ON rls.posts (author_id);
-- idempotent: the policy is replaced, and now there is no warning
SELECT orm_ext.enable_tenant_isolation('rls.posts', 'author_id',
                                       roles => '{regress_orm_ext_rls_user,regress_orm_ext_rls_system}');
RESET ROLE;
\d rls.posts
SELECT polname, polpermissive, polcmd, obj_description(oid, 'pg_policy') AS comment
FROM pg_policy WHERE polrelid = 'rls.posts'::regclass;

-- a role that is a member of <prefix>_user
CREATE ROLE regress_orm_ext_rls_alice NOLOGIN IN ROLE regress_orm_ext_rls_user;
SET ROLE regress_orm_ext_rls_alice;
-- no context: no rows, and no error
SELECT id, title, author_id FROM rls.posts ORDER BY id;
BEGIN;
SELECT orm_ext.set_context('app.user_id', '1');
SELECT id, title, author_id FROM rls.posts ORDER BY id;
UPDATE rls.posts SET title = 'grace: mine now' WHERE id = 3 RETURNING id;   -- not visible: nothing updated
INSERT INTO rls.posts (title, author_id) VALUES ('ada: new', 1) RETURNING id, title, author_id;
COMMIT;
-- another tenant's rows cannot be written
BEGIN;
SELECT orm_ext.set_context('app.user_id', '1');
INSERT INTO rls.posts (title, author_id) VALUES ('for grace', 2);
ROLLBACK;
BEGIN;
SELECT orm_ext.set_context('app.user_id', '1');
UPDATE rls.posts SET author_id = 2 WHERE id = 1;
ROLLBACK;
-- nor any without context
INSERT INTO rls.posts (title, author_id) VALUES ('nobody', 1);
-- a value that is not an integer is an error, not an empty result
BEGIN;
SELECT orm_ext.set_context('app.user_id', 'ada');
SELECT count(*) FROM rls.posts;
ROLLBACK;
-- after COMMIT, the next transaction of the same session has no tenant
BEGIN;
SELECT orm_ext.set_context('app.user_id', '2');
SELECT id, title FROM rls.posts ORDER BY id;
COMMIT;
SELECT count(*) AS after_commit FROM rls.posts;
-- SET LOCAL does the same
BEGIN;
SET LOCAL app.user_id = '2';
SELECT count(*) AS with_set_local FROM rls.posts;
COMMIT;
SELECT count(*) AS after_set_local FROM rls.posts;
-- a plain SET outlives the transaction: what leaks through a pool
SET app.user_id = '2';
SELECT count(*) AS after_plain_set FROM rls.posts;
RESET app.user_id;
RESET ROLE;

-- the owner is bound too (FORCE), and sees nothing: it is not a policy role
SET ROLE regress_orm_ext_rls_owner;
SELECT count(*) AS owner_sees FROM rls.posts;
RESET ROLE;
-- <prefix>_system is bound
SET ROLE regress_orm_ext_rls_system;
BEGIN;
SELECT orm_ext.set_context('app.user_id', '2');
SELECT count(*) AS system_sees FROM rls.posts;
COMMIT;
RESET ROLE;
-- <prefix>_admin bypasses; a member of it does not, until SET ROLE
CREATE ROLE regress_orm_ext_rls_jobs NOLOGIN IN ROLE regress_orm_ext_rls_admin;
SET ROLE regress_orm_ext_rls_jobs;
SELECT count(*) AS member_of_admin_sees FROM rls.posts;
SET ROLE regress_orm_ext_rls_admin;
SELECT count(*) AS admin_sees FROM rls.posts;
RESET ROLE;

-- the plan: the context is read once, in an InitPlan, and is the index key
SET ROLE regress_orm_ext_rls_alice;
SET enable_seqscan = off;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT id, title FROM rls.posts;
RESET enable_seqscan;
SET enable_indexscan = off;
-- with a sequential scan, still once per statement
EXPLAIN (COSTS OFF) SELECT id, title FROM rls.posts;
RESET enable_indexscan;
RESET enable_bitmapscan;
RESET ROLE;
-- the seeds' hand-written policy calls current_setting() for every row
SET ROLE regress_orm_ext_rls_owner;
CREATE TABLE rls.posts_by_hand (LIKE rls.posts);
ALTER TABLE rls.posts_by_hand ENABLE ROW LEVEL SECURITY;
CREATE POLICY user_isolation ON rls.posts_by_hand
    FOR ALL TO regress_orm_ext_rls_user
    USING (author_id = current_setting('app.user_id')::int);
GRANT SELECT ON rls.posts_by_hand TO regress_orm_ext_rls_user;
INSERT INTO rls.posts_by_hand (id, title, author_id) VALUES (1, 'ada: notes', 1), (3, 'grace: compilers', 2);
RESET ROLE;
SET ROLE regress_orm_ext_rls_alice;
BEGIN;
SELECT orm_ext.set_context('app.user_id', '1');
EXPLAIN (COSTS OFF) SELECT id, title FROM rls.posts_by_hand;
SELECT id, title FROM rls.posts_by_hand;
COMMIT;
-- and once the setting is left '', it fails instead of showing nothing
SELECT id, title FROM rls.posts_by_hand;
RESET ROLE;

-- varchar(n): the policy casts to the type without its length, so a long
-- value never matches the tenant it would be truncated to
SET ROLE regress_orm_ext_rls_owner;
CREATE TABLE rls.org_notes (id int PRIMARY KEY, org varchar(3) NOT NULL);
CREATE INDEX ON rls.org_notes (org);
INSERT INTO rls.org_notes VALUES (1, 'abc');
GRANT SELECT ON rls.org_notes TO regress_orm_ext_rls_user;
SELECT orm_ext.enable_tenant_isolation('rls.org_notes', 'org', 'app.org', '{regress_orm_ext_rls_user}');
RESET ROLE;
SELECT 'abcd'::varchar(3) AS truncating_cast;
SELECT pg_get_expr(polqual, polrelid) AS using FROM pg_policy WHERE polrelid = 'rls.org_notes'::regclass;
SET ROLE regress_orm_ext_rls_alice;
BEGIN;
SELECT orm_ext.set_context('app.org', 'abcd');
SELECT count(*) AS abcd FROM rls.org_notes;
SELECT orm_ext.set_context('app.org', 'abc');
SELECT count(*) AS abc FROM rls.org_notes;
ROLLBACK;
RESET ROLE;

-- tenant columns of other types: bigint, uuid, text (a domain keeps its name)
SET ROLE regress_orm_ext_rls_owner;
CREATE DOMAIN rls.tenant AS bigint;
CREATE TABLE rls.t_bigint (tenant_id bigint PRIMARY KEY);
CREATE TABLE rls.t_uuid (tenant_id uuid PRIMARY KEY);
CREATE TABLE rls.t_text (tenant_id text PRIMARY KEY);
CREATE TABLE rls.t_domain (tenant_id rls.tenant PRIMARY KEY);
INSERT INTO rls.t_uuid VALUES ('01a1fe93-87d8-7b9e-9cf9-1808e6b39e22'), ('01a1fe93-87d8-7b9e-9cf9-1808e6b39e23');
INSERT INTO rls.t_text VALUES ('Zoë''s'), ('acme');
GRANT SELECT ON rls.t_uuid, rls.t_text TO regress_orm_ext_rls_user;
SELECT orm_ext.enable_tenant_isolation(t, 'tenant_id', 'app.tenant', '{regress_orm_ext_rls_user}')
FROM unnest('{rls.t_bigint,rls.t_uuid,rls.t_text,rls.t_domain}'::regclass[]) AS t;
RESET ROLE;
SELECT c.relname, pg_get_expr(p.polqual, p.polrelid) AS using
FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
WHERE c.relname LIKE 't\_%' AND c.relnamespace = 'rls'::regnamespace
ORDER BY 1;
SET ROLE regress_orm_ext_rls_alice;
BEGIN;
SELECT orm_ext.set_context('app.tenant', '01a1fe93-87d8-7b9e-9cf9-1808e6b39e23');
SELECT * FROM rls.t_uuid;
SELECT orm_ext.set_context('app.tenant', 'Zoë''s');
SELECT * FROM rls.t_text;
ROLLBACK;
RESET ROLE;

-- partitions: the policy is on the partitioned table; a partition queried
-- directly has only its own policies (here none)
SET ROLE regress_orm_ext_rls_owner;
CREATE TABLE rls.events (tenant_id int NOT NULL, id int NOT NULL) PARTITION BY LIST (tenant_id);
CREATE TABLE rls.events_1 PARTITION OF rls.events FOR VALUES IN (1);
CREATE TABLE rls.events_2 PARTITION OF rls.events FOR VALUES IN (2);
CREATE INDEX ON rls.events (tenant_id);
INSERT INTO rls.events VALUES (1, 10), (2, 20);
SELECT orm_ext.enable_tenant_isolation('rls.events', 'tenant_id', roles => '{regress_orm_ext_rls_user}');
GRANT SELECT ON rls.events, rls.events_2 TO regress_orm_ext_rls_user;
RESET ROLE;
SET ROLE regress_orm_ext_rls_alice;
BEGIN;
SELECT orm_ext.set_context('app.user_id', '1');
SELECT * FROM rls.events;
SELECT * FROM rls.events_2;
ROLLBACK;
RESET ROLE;

-- errors
SELECT orm_ext.enable_tenant_isolation('rls.posts', 'owner_id');
SELECT orm_ext.enable_tenant_isolation(NULL, 'author_id');
SELECT orm_ext.enable_tenant_isolation('rls.posts', NULL);
SELECT orm_ext.enable_tenant_isolation('rls.posts', 'author_id', NULL);
SELECT orm_ext.enable_tenant_isolation('rls.posts', 'author_id', roles => NULL);
SELECT orm_ext.enable_tenant_isolation('rls.posts', 'author_id', roles => '{}');
SELECT orm_ext.enable_tenant_isolation('rls.posts', 'author_id', roles => '{regress_orm_ext_rls_user,NULL}');
SELECT orm_ext.enable_tenant_isolation('rls.posts', 'author_id', roles => '{regress_orm_ext_rls_nobody}');
SELECT orm_ext.enable_tenant_isolation('rls.posts', 'author_id', 'user_id', '{regress_orm_ext_rls_user}');
SELECT orm_ext.enable_tenant_isolation('rls.posts', 'author_id', 'app.user id', '{regress_orm_ext_rls_user}');
SET ROLE regress_orm_ext_rls_owner;
CREATE VIEW rls.post_titles AS SELECT id, title FROM rls.posts;
SELECT orm_ext.enable_tenant_isolation('rls.post_titles', 'id');
CREATE TABLE rls.places (id int, spot point);
SELECT orm_ext.enable_tenant_isolation('rls.places', 'spot', roles => '{regress_orm_ext_rls_user}');
SET ROLE regress_orm_ext_rls_alice;
SELECT orm_ext.enable_tenant_isolation('rls.posts', 'author_id', roles => '{regress_orm_ext_rls_user}');
SELECT orm_ext.disable_tenant_isolation('rls.posts');
RESET ROLE;
-- nothing changed
SELECT count(*) AS policies FROM pg_policy WHERE polrelid = 'rls.posts'::regclass;

-------------------------------------------------------------------------------
-- disable_tenant_isolation
-------------------------------------------------------------------------------
SET ROLE regress_orm_ext_rls_owner;
CREATE TABLE rls.drafts (id int, author_id int);
CREATE INDEX ON rls.drafts (author_id);
-- no row level security before: none after
SELECT orm_ext.enable_tenant_isolation('rls.drafts', 'author_id', roles => '{regress_orm_ext_rls_user}');
SELECT orm_ext.disable_tenant_isolation('rls.drafts');
SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE oid = 'rls.drafts'::regclass;
SELECT orm_ext.disable_tenant_isolation('rls.drafts');   -- nothing to do
-- enabled but not forced before: that is what it goes back to, even after a
-- second enable
ALTER TABLE rls.drafts ENABLE ROW LEVEL SECURITY;
SELECT orm_ext.enable_tenant_isolation('rls.drafts', 'author_id', roles => '{regress_orm_ext_rls_user}');
SELECT orm_ext.enable_tenant_isolation('rls.drafts', 'author_id', 'app.author', '{regress_orm_ext_rls_user}');
SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE oid = 'rls.drafts'::regclass;
SELECT orm_ext.disable_tenant_isolation('rls.drafts');
SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE oid = 'rls.drafts'::regclass;
-- another policy remains: row level security stays enabled, FORCE goes back to off
CREATE POLICY drafts_for_system ON rls.drafts FOR SELECT TO regress_orm_ext_rls_system USING (true);
SELECT orm_ext.enable_tenant_isolation('rls.drafts', 'author_id', roles => '{regress_orm_ext_rls_user}');
SELECT orm_ext.disable_tenant_isolation('rls.drafts');
SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE oid = 'rls.drafts'::regclass;
SELECT polname FROM pg_policy WHERE polrelid = 'rls.drafts'::regclass;
RESET ROLE;

-------------------------------------------------------------------------------
-- rls_audit, on a fixture schema whose objects a plain role owns
-------------------------------------------------------------------------------
CREATE SCHEMA rls_audit_fx AUTHORIZATION regress_orm_ext_rls_owner;
CREATE ROLE regress_orm_ext_rls_login_bypass LOGIN BYPASSRLS;
CREATE ROLE regress_orm_ext_rls_login_super LOGIN SUPERUSER;
SET ROLE regress_orm_ext_rls_owner;
-- the seeds' policy: enabled, not forced, a per-row call, no index
CREATE TABLE rls_audit_fx.posts (id int PRIMARY KEY, author_id int NOT NULL, title text);
ALTER TABLE rls_audit_fx.posts ENABLE ROW LEVEL SECURITY;
CREATE FUNCTION rls_audit_fx.is_admin() RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER AS $$ SELECT false $$;
CREATE POLICY user_isolation ON rls_audit_fx.posts FOR ALL TO regress_orm_ext_rls_user
    USING (author_id = current_setting('app.user_id')::int);
CREATE POLICY admins ON rls_audit_fx.posts FOR SELECT TO regress_orm_ext_rls_user
    USING (rls_audit_fx.is_admin() OR author_id = (SELECT current_setting('app.user_id')::int));
GRANT SELECT, INSERT ON rls_audit_fx.posts TO regress_orm_ext_rls_user;
-- a view over it that runs as the owner, who bypasses it (not forced)
CREATE VIEW rls_audit_fx.recent_posts AS SELECT id, title FROM rls_audit_fx.posts;
-- no row level security: granted with a write, with SELECT only
CREATE TABLE rls_audit_fx.notes (id int, owner_id int, body text);
GRANT SELECT, UPDATE ON rls_audit_fx.notes TO regress_orm_ext_rls_user;
CREATE TABLE rls_audit_fx.tags (id int, name text);
GRANT SELECT ON rls_audit_fx.tags TO regress_orm_ext_rls_user;
-- enabled, no policy: with and without a tenant column to guess
CREATE TABLE rls_audit_fx.accounts (id int, account_id int);
ALTER TABLE rls_audit_fx.accounts ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE TABLE rls_audit_fx.settings (name text, value text);
ALTER TABLE rls_audit_fx.settings ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
-- writes granted to PUBLIC
CREATE TABLE rls_audit_fx.inbox (id int, body text);
GRANT INSERT, TRUNCATE ON rls_audit_fx.inbox TO PUBLIC;
-- protected by orm_ext: no finding; a view over it as its owner, who is
-- bound by FORCE: a warning; with security_invoker: none
CREATE TABLE rls_audit_fx.orders (id int, account_id int);
CREATE INDEX ON rls_audit_fx.orders (account_id);
GRANT SELECT, INSERT, UPDATE, DELETE ON rls_audit_fx.orders TO regress_orm_ext_rls_user;
SELECT orm_ext.enable_tenant_isolation('rls_audit_fx.orders', 'account_id', 'app.account',
                                       '{regress_orm_ext_rls_user}');
CREATE VIEW rls_audit_fx.order_ids AS SELECT id FROM rls_audit_fx.orders;
CREATE VIEW rls_audit_fx.my_orders WITH (security_invoker = true) AS SELECT id FROM rls_audit_fx.orders;
-- SECURITY DEFINER with a pinned search_path: no finding
CREATE FUNCTION rls_audit_fx.pinned() RETURNS int
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$ SELECT 1 $$;
RESET ROLE;

-- role findings are cluster-wide: only the fixture's are shown
SELECT * FROM orm_ext.rls_audit(ARRAY['rls_audit_fx'])
WHERE object NOT LIKE 'role %' OR object LIKE 'role regress\_orm\_ext\_rls\_%';
-- the bootstrap superuser is 'info'
SELECT severity, problem, fix FROM orm_ext.rls_audit(ARRAY['rls_audit_fx']) WHERE severity = 'info';
-- the schema of the walkthrough: the protected tables have no finding; users,
-- the partition, the view and the hand-written policy have
SELECT severity, object, problem FROM orm_ext.rls_audit(ARRAY['rls'])
WHERE object NOT LIKE 'role %';
SELECT orm_ext.rls_audit(ARRAY['rls', 'no_such_schema']);
SELECT orm_ext.rls_audit(ARRAY['rls', NULL]);

-- the policy fixes are valid SQL: apply them, and the findings go
SELECT fix FROM orm_ext.rls_audit(ARRAY['rls_audit_fx']) WHERE object LIKE 'policy %' \gexec
SELECT polname, pg_get_expr(polqual, polrelid) AS using
FROM pg_policy WHERE polrelid = 'rls_audit_fx.posts'::regclass ORDER BY 1;
SELECT severity, object FROM orm_ext.rls_audit(ARRAY['rls_audit_fx'])
WHERE object LIKE 'policy %';

-------------------------------------------------------------------------------
-- internal helpers
-------------------------------------------------------------------------------
CREATE TYPE rls.plan AS ENUM ('free', 'paid');
SELECT t, orm_ext.rls_equality_operator(t)
FROM unnest('{integer,bigint,character varying,text,uuid,rls.tenant,rls.plan}'::regtype[]) AS t;
SELECT orm_ext.rls_equality_operator('point');
SELECT orm_ext.rls_policy_name();
SELECT n, orm_ext.rls_in_scope(n, NULL) AS by_default, orm_ext.rls_in_scope(n, '{rls}') AS in_rls_only
FROM unnest('{public,rls,pg_catalog,information_schema,pg_toast,pg_temp_3}'::name[]) AS n;
SELECT c.relname, orm_ext.rls_guess_tenant_column(c.oid)
FROM pg_class c
WHERE c.relnamespace = 'rls_audit_fx'::regnamespace AND c.relkind = 'r'
ORDER BY 1;
SELECT p.polname,
       orm_ext.rls_expr_row_calls(p.polqual, p.polrelid) AS row_calls,
       orm_ext.rls_expr_columns(p.polqual, p.polrelid) AS columns,
       orm_ext.rls_expr_hoisted(p.polqual, p.polrelid) AS hoisted
FROM pg_policy p
WHERE p.polrelid IN ('rls.posts'::regclass, 'rls.posts_by_hand'::regclass)
ORDER BY 1;
-- only a policy expression of the relation given is accepted: not a rule's
-- query, nor another table's policy
SELECT orm_ext.rls_expr_columns(r.ev_action, 'rls.posts'::regclass)
FROM pg_rewrite r WHERE r.ev_class = 'rls.post_titles'::regclass;
SELECT orm_ext.rls_expr_row_calls(p.polqual, 'rls.users'::regclass)
FROM pg_policy p WHERE p.polrelid = 'rls.posts'::regclass;
SELECT orm_ext.rls_expr_columns(p.polqual, 'rls.post_titles'::regclass)
FROM pg_policy p WHERE p.polrelid = 'rls.posts'::regclass;
SELECT orm_ext.rls_owned_table('rls.posts', 'demo');
SELECT orm_ext.rls_owned_table(NULL, 'demo');
SELECT orm_ext.rls_owned_table(0::oid::regclass, 'demo');

-------------------------------------------------------------------------------
-- clean up: roles outlive the database
-------------------------------------------------------------------------------
SET client_min_messages = warning;
DROP SCHEMA rls, rls_audit_fx CASCADE;
RESET client_min_messages;
DROP OWNED BY regress_orm_ext_rls_user, regress_orm_ext_rls_system, regress_orm_ext_rls_admin,
    regress_orm_ext_rls_owner;
DROP ROLE regress_orm_ext_rls_alice, regress_orm_ext_rls_jobs,
    regress_orm_ext_rls_user, regress_orm_ext_rls_system, regress_orm_ext_rls_admin,
    regress_orm_ext_rls_owner, regress_orm_ext_rls_creator, regress_orm_ext_rls_bad_admin,
    regress_orm_ext_rls_login_bypass, regress_orm_ext_rls_login_super;
SELECT count(*) AS roles_left FROM pg_roles WHERE rolname LIKE 'regress\_orm\_ext\_rls%';
