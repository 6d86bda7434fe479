#!/usr/bin/python3
"""
bench/model/fetch.py: the eager-loading part of bench/model/run.  Loads one
user's object graph (50 posts, their 10 comments each with the comment's
author, and their 3 tags each; fetch.sql) four ways, from one client over
the cluster's Unix socket, with prepared statements:

  m_fetch     SELECT graph.users_fetch($1, '{posts, posts.comments,
              posts.comments.author, posts.tags}')            1 statement
  hand_json   the same graph as one hand-written query that builds json
              (json_build_object, json_agg) and casts it to jsonb once
                                                                   1 statement
  hand        the same with jsonb functions (to_jsonb, jsonb_agg)  1 statement
  n_plus_1    what a lazy-loading ORM sends: the user, its posts, then per
              post its comments and its tags, then per comment its author:
              1 + 1 + 50 + 50 + 500 = 602 statements

for a random user each time, for SECONDS per run, RUNS runs per variant,
interleaved (the order rotates), after a WARMUP-second round.  Before
timing, the four graphs of 20 users must be equal (as JSON values).
Prints a Markdown table.  Usage: fetch.py SECONDS RUNS WARMUP
"""
import json
import random
import statistics
import sys
import time

import psycopg
from psycopg.rows import dict_row

SECONDS, RUNS, WARMUP = (float(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]))
INCLUDE = ["posts", "posts.comments", "posts.comments.author", "posts.tags"]
HAND = """
SELECT to_jsonb(u) || jsonb_build_object('posts', (
         SELECT COALESCE(jsonb_agg(to_jsonb(p) || jsonb_build_object(
                  'comments', (SELECT COALESCE(jsonb_agg(to_jsonb(c) || jsonb_build_object(
                                          'author', (SELECT to_jsonb(a) FROM graph.users a WHERE a.id = c.author_id))
                                        ORDER BY c.id), '[]')
                                 FROM graph.comments c WHERE c.post_id = p.id),
                  'tags', (SELECT COALESCE(jsonb_agg(to_jsonb(t) ORDER BY t.id), '[]')
                             FROM graph.tags t JOIN graph.post_tags pt ON pt.tag_id = t.id
                            WHERE pt.post_id = p.id))
                ORDER BY p.id), '[]')
           FROM graph.posts p WHERE p.author_id = u.id))
FROM graph.users u WHERE u.id = %s
"""


HAND_JSON = """
SELECT (json_build_object('id', u.id, 'username', u.username, 'email', u.email, 'posts', (
         SELECT COALESCE(json_agg(json_build_object(
                  'id', p.id, 'author_id', p.author_id, 'title', p.title, 'body', p.body,
                  'comments', (SELECT COALESCE(json_agg(json_build_object(
                                          'id', c.id, 'post_id', c.post_id, 'author_id', c.author_id, 'body', c.body,
                                          'author', (SELECT row_to_json(a) FROM graph.users a WHERE a.id = c.author_id))
                                        ORDER BY c.id), '[]')
                                 FROM graph.comments c WHERE c.post_id = p.id),
                  'tags', (SELECT COALESCE(json_agg(row_to_json(t) ORDER BY t.id), '[]')
                             FROM graph.tags t JOIN graph.post_tags pt ON pt.tag_id = t.id
                            WHERE pt.post_id = p.id))
                ORDER BY p.id), '[]')
           FROM graph.posts p WHERE p.author_id = u.id)))::jsonb
FROM graph.users u WHERE u.id = %s
"""


def hand_json(conn, uid):
    return conn.execute(HAND_JSON, [uid], prepare=True).fetchone()[0]


def m_fetch(conn, uid):
    return conn.execute("SELECT graph.users_fetch(%s, %s)", [uid, INCLUDE], prepare=True).fetchone()[0]


def hand(conn, uid):
    return conn.execute(HAND, [uid], prepare=True).fetchone()[0]


def n_plus_1(conn, uid):
    cur = conn.cursor(row_factory=dict_row)
    user = cur.execute("SELECT * FROM graph.users WHERE id = %s", [uid], prepare=True).fetchone()
    posts = cur.execute("SELECT * FROM graph.posts WHERE author_id = %s ORDER BY id", [uid], prepare=True).fetchall()
    for p in posts:
        p["comments"] = cur.execute("SELECT * FROM graph.comments WHERE post_id = %s ORDER BY id",
                                    [p["id"]], prepare=True).fetchall()
        for c in p["comments"]:
            c["author"] = cur.execute("SELECT * FROM graph.users WHERE id = %s",
                                      [c["author_id"]], prepare=True).fetchone()
        p["tags"] = cur.execute("SELECT t.* FROM graph.tags t JOIN graph.post_tags pt ON pt.tag_id = t.id "
                                "WHERE pt.post_id = %s ORDER BY t.id", [p["id"]], prepare=True).fetchall()
    user["posts"] = posts
    return user


VARIANTS = {"m_fetch": m_fetch, "hand_json": hand_json, "hand": hand, "n_plus_1": n_plus_1}


def main():
    conn = psycopg.connect(autocommit=True)
    conn.prepare_threshold = 0
    rnd = random.Random(42)
    for uid in [1, 7] + rnd.sample(range(2, 1001), 18):
        graphs = {k: json.dumps(f(conn, uid), sort_keys=True) for k, f in VARIANTS.items()}
        if len(set(graphs.values())) != 1:
            sys.exit("fetch.py: the graphs of user %d differ" % uid)
    names = list(VARIANTS)
    results = {k: [] for k in names}

    def run(name, secs):
        f = VARIANTS[name]
        n = 0
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < secs:
            f(conn, rnd.randint(1, 1000))
            n += 1
        return (time.perf_counter() - t0) * 1000.0 / n

    for name in names:
        run(name, WARMUP)
    for r in range(RUNS):
        for i in range(len(names)):
            name = names[(i + r) % len(names)]
            results[name].append(run(name, SECONDS))
            print("==> fetch run %d/%d: %s %.2f ms" % (r + 1, RUNS, name, results[name][-1]), file=sys.stderr)

    med = {k: statistics.median(v) for k, v in results.items()}
    print("| variant | statements per graph | ms per graph (median) | runs (ms) | × m_fetch |")
    print("|---|---:|---:|---|---:|")
    for name, stmts in (("m_fetch", 1), ("hand_json", 1), ("hand", 1), ("n_plus_1", 602)):
        label = {"m_fetch": "orm_ext `users_fetch` with 4 includes",
                 "hand_json": "hand-written single query, built as `json` and cast to `jsonb` once",
                 "hand": "hand-written single query, built as `jsonb` (`to_jsonb`, `jsonb_agg`)",
                 "n_plus_1": "N+1: lazy loading from the client"}[name]
        print("| %s | %d | %.2f | %s | %.2f× |" % (label, stmts, med[name],
              " ".join("%.2f" % x for x in results[name]), med[name] / med["m_fetch"]))


main()
