-------------------------------------------------------------------------------
-- bench/model/fetch.sql: the data of the eager-loading part of
-- bench/model/run (fetch.py).  Schema graph: 1,000 users, each the author
-- of 50 posts; each post has 10 comments (by other users) and 3 tags of 50,
-- through post_tags.  Registered as models, so users_fetch and the
-- navigation functions exist.
-------------------------------------------------------------------------------
\set ON_ERROR_STOP on
SET client_min_messages = warning;

CREATE SCHEMA graph;
CREATE TABLE graph.users (id bigint PRIMARY KEY, username text NOT NULL, email text NOT NULL);
CREATE TABLE graph.posts (
    id bigint PRIMARY KEY,
    author_id bigint NOT NULL REFERENCES graph.users,
    title text NOT NULL,
    body text NOT NULL
);
CREATE INDEX ON graph.posts (author_id);
CREATE TABLE graph.comments (
    id bigint PRIMARY KEY,
    post_id bigint NOT NULL REFERENCES graph.posts,
    author_id bigint NOT NULL REFERENCES graph.users,
    body text NOT NULL
);
CREATE INDEX ON graph.comments (post_id);
CREATE TABLE graph.tags (id integer PRIMARY KEY, name text NOT NULL UNIQUE);
CREATE TABLE graph.post_tags (
    post_id bigint REFERENCES graph.posts,
    tag_id integer REFERENCES graph.tags,
    PRIMARY KEY (post_id, tag_id)
);
INSERT INTO graph.users SELECT g, 'user' || g, 'user' || g || '@example.com' FROM generate_series(1, 1000) g;
INSERT INTO graph.tags SELECT g, 'tag' || g FROM generate_series(1, 50) g;
INSERT INTO graph.posts SELECT g, 1 + (g - 1) / 50, 'post ' || g, repeat('b', 200) FROM generate_series(1, 50000) g;
INSERT INTO graph.comments SELECT g, 1 + (g - 1) / 10, 1 + g % 1000, repeat('c', 80) FROM generate_series(1, 500000) g;
INSERT INTO graph.post_tags SELECT p, 1 + (p + k * 7) % 50 FROM generate_series(1, 50000) p, generate_series(0, 2) k;
SELECT count(orm_ext.model_register(t)) AS registered
FROM unnest('{graph.users, graph.posts, graph.comments, graph.tags}'::regclass[]) AS t \gset
VACUUM ANALYZE;
