"""What bulletins (MAILDEX_BULLETIN_DIR, index/bulletins.h) cost a login: the median time of
LOGIN (command sent to tagged OK) over 20 logins each (BENCH_N), for a server without bulletins, one
whose directory holds 20 bulletins the user has all had (the usual case: one readdir and
one read of maildexbulletins), and the first login that delivers all 20.
Usage: MAILDEXD=build/app/maildexd python3 tests/bench/bulletin_login_bench.py"""
import os, shutil, statistics, sys, tempfile, time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from maildex_server import MaildexServer, LineClient

N = int(os.environ.get("BENCH_N", "20"))  # logins per case
BULLETINS = 20


def login_ms(srv, user):
    c = LineClient(srv.port)
    c.line()
    t = time.perf_counter()
    lines = c.command("l", "LOGIN %s pw" % user)
    took = (time.perf_counter() - t) * 1000
    assert lines[-1].startswith("l OK"), lines
    c.command("o", "LOGOUT")
    c.close()
    return took


def run(settings, users, first=False):
    with MaildexServer(users={u: "pw" for u in users}, settings=settings) as srv:
        login_ms(srv, users[0])  # warm: the first open of the index
        if first:  # each user's first login delivers every bulletin (the warm-up used user 0)
            return [login_ms(srv, u) for u in users[1:]]
        return [login_ms(srv, users[0]) for _ in range(N)]


d = tempfile.mkdtemp(prefix="maildex-bench-bulletins-")
try:
    for i in range(BULLETINS):
        with open(os.path.join(d, "bulletin-%02d" % i), "w") as f:
            f.write("From: postmaster@example.com\nSubject: Bulletin %d\n\n%s\n" % (i, "text " * 200))
    users = ["u%02d" % i for i in range(N + 1)]
    results = {
        "no bulletin directory": run({}, users[:1]),
        "%d bulletins, all had" % BULLETINS: run({"MAILDEX_BULLETIN_DIR": d}, users[:1]),
        "first login, %d delivered" % BULLETINS: run({"MAILDEX_BULLETIN_DIR": d}, users, first=True),
    }
finally:
    shutil.rmtree(d, ignore_errors=True)
for name, times in results.items():
    print("%-28s median %.2f ms  (min %.2f, max %.2f, n=%d)"
          % (name, statistics.median(times), min(times), max(times), len(times)))
