#!/usr/bin/env python3
"""IMAP-level benchmark, Maildex against Dovecot (scripts/bench-imap runs it).

Both servers run in their stdin/stdout mode (`maildexd PATH`; Dovecot's `imap` binary,
PREAUTH) over their own copy of the same Maildir: a 1,000-message INBOX and a
100,000-message folder "Big". Each measurement is the time from sending a command to
its tagged answer, the client reading everything in between, in large reads (a client
reading line by line in Python takes 50 ms for 100,000 lines by itself, more than
Maildex takes to send them, and would measure itself). Each of RUNS runs gives
each server a fresh copy: a first session (SELECT with no index yet, ENVELOPE read for
the first time), then a warm session for the rest. The servers take turns. Prints the
medians side by side with the ratio and the issue's target."""

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import dovecot_stdio  # noqa: E402

RUNS = int(os.environ.get("RUNS", "5"))


class Session:
    def __init__(self, argv, env=None):
        self.p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL, env=env, bufsize=0)
        self.fd = self.p.stdout.fileno()
        self.n = 0
        self.buf = b""
        while b"\r\n" not in self.buf:
            self.more("the greeting")
        greeting, self.buf = self.buf.split(b"\r\n", 1)
        if not greeting.startswith(b"* PREAUTH"):
            raise RuntimeError("no PREAUTH greeting: %r" % greeting)

    def more(self, what):
        data = os.read(self.fd, 1 << 20)
        if not data:
            raise RuntimeError("server closed during %s" % what)
        self.buf += data

    def time(self, command):
        """Seconds until the tagged answer; raises if it is not OK."""
        self.n += 1
        tag = b"b%d " % self.n
        start = time.perf_counter()
        self.p.stdin.write(tag + command.encode() + b"\r\n")
        self.p.stdin.flush()
        # self.buf starts at a line start; [:pos] is scanned. Literal contents are skipped,
        # so nothing in a message can look like the answer. bytes.find keeps the scan in C.
        pos = 0
        while True:
            literal = self.buf.find(b"}\r\n", pos)
            if self.buf.startswith(tag) and pos == 0:
                answer = 0
            else:
                answer = self.buf.find(b"\n" + tag, max(pos - 1, 0))
                answer = answer + 1 if answer >= 0 else -1
            if literal >= 0 and (answer < 0 or literal < answer):
                brace = self.buf.rfind(b"{", pos, literal)
                digits = self.buf[brace + 1:literal].rstrip(b"+") if brace >= 0 else b""
                if not digits.isdigit():
                    pos = literal + 3
                    continue
                skip = literal + 3 + int(digits)
                while len(self.buf) < skip:
                    skip -= len(self.buf)
                    self.buf = b""
                    self.more(command)
                # The rest of that line is not a line start: keep a byte before it.
                self.buf, pos = b"x" + self.buf[skip:], 1
                continue
            if answer >= 0:
                eol = self.buf.find(b"\r\n", answer)
                if eol >= 0:
                    took = time.perf_counter() - start
                    line = self.buf[answer + len(tag):eol]
                    self.buf = self.buf[eol + 2:]
                    if not line.startswith(b"OK"):
                        raise RuntimeError("%s: %s" % (command, line.decode(errors="replace")))
                    return took
            # Keep the last, unfinished line (or what follows a skipped literal).
            nl = self.buf.rfind(b"\n", pos)
            if nl >= 0 and (answer < 0 or nl < answer):
                self.buf, pos = self.buf[nl + 1:], 0
            self.more(command)

    def close(self):
        try:
            self.p.stdin.write(b"z LOGOUT\r\n")
            self.p.stdin.close()
        except BrokenPipeError:
            pass
        self.p.wait(timeout=60)


def maildex_session(maildexd, maildir):
    return Session([maildexd, maildir])


def dovecot_session(base):
    return Session(dovecot_stdio.command(base), env=dovecot_stdio.environment(base, "bench"))


KEYS = ("first_select", "warm_select", "fetch_flags", "search_unseen", "envelope_first", "envelope_repeat",
        "copy", "search_body", "sort_date")


def measure_once(open_session, big, other, results):
    """A first session on a copy no server has indexed yet, then a warm one."""
    s = open_session()
    results["first_select"].append(s.time("SELECT %s" % big))
    results["envelope_first"].append(s.time("UID FETCH 1:1000 (ENVELOPE)"))
    s.time("CREATE %s" % other)
    s.close()
    s = open_session()
    results["warm_select"].append(s.time("SELECT %s" % big))
    results["fetch_flags"].append(s.time("UID FETCH 1:* (FLAGS)"))
    results["search_unseen"].append(s.time("UID SEARCH UNSEEN"))
    results["envelope_repeat"].append(s.time("UID FETCH 1:1000 (ENVELOPE)"))
    results["copy"].append(s.time("UID COPY 1:10000 %s" % other))
    results["search_body"].append(s.time("UID SEARCH BODY xylophone"))
    try:
        results["sort_date"].append(s.time("UID SORT (DATE) UTF-8 ALL"))
    except RuntimeError:
        pass  # a server without SORT: reported as n/a
    s.close()


def fresh_copy(base, home):
    shutil.rmtree(home, ignore_errors=True)
    shutil.copytree(base, os.path.join(home, "Maildir"), symlinks=True)


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: imap_bench.py MAILDEXD INDEX_BENCH MESSAGES")
    maildexd, index_bench, messages = sys.argv[1], sys.argv[2], int(sys.argv[3])
    work = tempfile.mkdtemp(prefix="maildex-bench-imap-")
    os.chmod(work, 0o755)  # Dovecot runs as nobody and must reach its copy
    mx = {k: [] for k in KEYS}
    dc = {k: [] for k in KEYS}
    try:
        base = os.path.join(work, "base", "Maildir")
        print("making INBOX (1,000) and Big (%d) in %s ..." % (messages, base), file=sys.stderr)
        subprocess.run([index_bench, "make", base, "1000"], check=True)
        subprocess.run([index_bench, "make", os.path.join(base, ".Big"), str(messages)], check=True)
        open(os.path.join(base, ".Big", "maildirfolder"), "w").close()
        mx_home = os.path.join(work, "maildex")
        dc_root = os.path.join(work, "dovecot")
        dc_home = os.path.join(dc_root, "home")
        # The servers take turns, each on a fresh copy every run, so that other work on
        # the machine weighs on both alike.
        for run in range(RUNS):
            print("run %d of %d ..." % (run + 1, RUNS), file=sys.stderr)
            fresh_copy(base, mx_home)
            measure_once(lambda: maildex_session(maildexd, os.path.join(mx_home, "Maildir")), "INBOX.Big",
                         "INBOX.Other", mx)
            fresh_copy(base, dc_home)
            dovecot_stdio.prepare(dc_root)  # the configuration, and all of it nobody's
            measure_once(lambda: dovecot_session(dc_root), "Big", "Other", dc)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    mx = {k: statistics.median(v) if v else None for k, v in mx.items()}
    dc = {k: statistics.median(v) if v else None for k, v in dc.items()}

    rows = [
        ("first SELECT (no index yet)", "first_select", 1.0),
        ("warm SELECT", "warm_select", 0.5),
        ("UID FETCH 1:* (FLAGS)", "fetch_flags", 0.5),
        ("UID SEARCH UNSEEN", "search_unseen", 0.5),
        ("UID FETCH 1:1000 (ENVELOPE), first", "envelope_first", 0.5),
        ("UID FETCH 1:1000 (ENVELOPE), repeated", "envelope_repeat", 0.5),
        ("UID COPY 1:10000", "copy", 0.5),
        ("SEARCH BODY (word in 1% of messages)", "search_body", 0.5),
        ("SORT (DATE)", "sort_date", 0.5),
    ]
    print("%-42s %12s %12s %8s %8s" % ("%d messages, median of %d" % (messages, RUNS), "Maildex", "Dovecot",
                                        "ratio", "target"))
    fmt = lambda v: "n/a" if v is None else ("%.1f ms" % (v * 1000) if v < 10 else "%.2f s" % v)
    for label, key, target in rows:
        m, d = mx[key], dc[key]
        ratio = "n/a" if m is None or d is None else "%.2f" % (m / d)
        ok = "" if m is None or d is None else ("ok" if m <= target * d else "MISSED")
        print("%-42s %12s %12s %8s %8s" % (label, fmt(m), fmt(d), ratio, "<= %.1fx %s" % (target, ok)))


if __name__ == "__main__":
    main()
