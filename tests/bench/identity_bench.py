"""The cost of the per-user identity switch (base/fs_identity.h): commands per second of a
pipelined NOOP loop and a small FETCH loop against a server running as root, with users
that have their own uid (a switch around every command) and with root's Maildir served as
root (MAILDEX_ALLOW_ROOT_MAIL, no switch). Median of 3 runs each; prints the ratios.
Needs root. Usage: MAILDEXD=build/app/maildexd python3 tests/bench/identity_bench.py"""
import os, sys, time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from maildex_server import MaildexServer, LineClient
import test_user_identity as T

def loop(srv, user, pw, n=3000):
    c = LineClient(srv.port).login(user, pw)
    c.command("a", 'APPEND INBOX {%d+}\r\n%s' % (len(T.MESSAGE), T.MESSAGE.decode()))
    c.command("s", "SELECT INBOX")
    out = {}
    for what, cmd in (("NOOP", "NOOP"), ("FETCH", "FETCH 1 (FLAGS RFC822.SIZE)")):
        t = time.perf_counter()
        # pipelined in batches of 50 so the client is not the bottleneck
        done = 0
        while done < n:
            batch = 50
            c.send("".join("t%d %s\r\n" % (i, cmd) for i in range(batch)))
            c.until_tagged("t%d" % (batch - 1))
            done += batch
        out[what] = n / (time.perf_counter() - t)
    c.close()
    return out

res = {}
for mode in ("identity", "root"):
    runs = []
    for rep in range(3):
        if mode == "identity":
            srv = T.server()
            user, pw = "alice", "alice-pw"
        else:
            srv = MaildexServer(users={"alice": "alice-pw"})
            user, pw = "alice", "alice-pw"
        with srv:
            runs.append(loop(srv, user, pw))
    res[mode] = {k: sorted(r[k] for r in runs)[1] for k in runs[0]}
    print(mode, res[mode], flush=True)
for k in res["root"]:
    print(k, "ratio identity/root = %.3f" % (res["identity"][k] / res["root"][k]))
