"""
TAP output for the client tests in test/clients (scripts/test runs each
test/clients/*.py and counts its "ok" and "not ok" lines).
"""
import sys

results = []


def check(ok, description):
    """One test: "ok N - description" or "not ok N - description"."""
    results.append(bool(ok))
    print(("ok" if ok else "not ok") + " %d - %s" % (len(results), description))
    sys.stdout.flush()


def run(setup, tests, teardown):
    """Runs setup, then each of tests, then teardown whatever happened; a
    crash is reported as a failing test.  Returns the exit status."""
    print("TAP version 13")
    try:
        setup()
        for test in tests:
            test()
    except Exception as e:
        check(False, "the client tests ran to the end (%s: %s)" % (type(e).__name__, e))
    finally:
        try:
            teardown()
        except Exception as e:
            check(False, "teardown (%s)" % e)
    print("1..%d" % len(results))
    return 0 if all(results) else 1
