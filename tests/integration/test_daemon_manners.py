"""The daemon's manners (issue 21): --version, --check-config on good and broken
configurations, the log lines an administrator and fail2ban read (login with TLS, one
line per disconnect with duration and bytes, refusals), and /metrics read strictly as
Prometheus text (and by promtool when it is installed)."""

import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request

import prometheus_text
from maildex_server import LineClient, MaildexServer, make_certificate
from maildex_testlib import MAILDEXCTL, MAILDEXD, REPO

VERSION = r"\d+\.\d+\.\d+( \(git [0-9A-Za-z.\-]+\))?"


def run(*args, timeout=60):
    return subprocess.run(list(args), capture_output=True, text=True, timeout=timeout)



def unpacked_promtool():
    """Prometheus's promtool, unpacked from Debian's package into the build tree (the
    package itself is a server, not installed); None when the mirror cannot be reached."""
    root = os.path.join(os.path.dirname(MAILDEXD), "..", "prometheus")
    p = subprocess.run(["bash", os.path.join(REPO, "scripts", "fetch-deb"), "prometheus", root,
                        "usr/bin/promtool"], capture_output=True, text=True, timeout=300)
    return os.path.join(root, "usr", "bin", "promtool") if p.returncode == 0 else None

class Version(unittest.TestCase):
    def test_both_programs_say_their_version(self):
        for program, name in ((MAILDEXD, "maildexd"), (MAILDEXCTL, "maildexctl")):
            p = run(program, "--version")
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertRegex(p.stdout, r"^%s %s\n$" % (name, VERSION))
            self.assertEqual(p.stderr, "")


class CheckConfig(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="maildex-checkconfig-")
        self.users = os.path.join(self.dir, "users")
        with open(self.users, "w") as f:
            f.write("alice:{PLAIN}secret:::alice:%s/alice::\n" % self.dir)
        self.cert = os.path.join(self.dir, "imapd.pem")
        make_certificate(self.cert, "maildex.test")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def conf(self, text, name="maildex.conf"):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def check(self, *args):
        return run(MAILDEXD, "--check-config", *args)

    def test_a_good_configuration_is_listed_with_where_each_value_came_from(self):
        path = self.conf("# the site\nPORT=1143\nMAILDEX_USERDB=%s\nTLS_CERTFILE=%s\n" % (self.users, self.cert))
        p = self.check("--config", path, "--set", "MAXPERIP=7")
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        settings = {}
        for line in p.stdout.splitlines():
            if line.startswith("#"):
                continue
            m = re.match(r"^([A-Za-z_0-9]+)=(\S*)\s+# (.+)$", line)  # authdaemonrc: lowercase
            self.assertTrue(m, "not KEY=VALUE # origin: %r" % line)
            settings[m.group(1)] = (m.group(2), m.group(3))
        self.assertEqual(settings["PORT"], ("1143", path + ":2"))
        self.assertEqual(settings["MAILDEX_USERDB"], (self.users, path + ":3"))
        self.assertEqual(settings["MAXPERIP"], ("7", "--set"))
        self.assertEqual(settings["SSLPORT"], ("993", "default"))
        self.assertEqual(settings["MAILDEX_LOG"], ("stderr", "default"))
        self.assertIn("user database %s: 1 user\n" % self.users, p.stderr)
        self.assertIn("TLS certificate %s: ok" % self.cert, p.stderr)
        self.assertIn("the configuration is good", p.stderr)

    def test_values_with_spaces_are_quoted_so_the_listing_reads_back(self):
        path = self.conf("MAILDEX_USERDB=%s\nIMAP_TRASHFOLDERNAME=\"Deleted Items\"\n" % self.users)
        p = self.check("--config", path)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertRegex(p.stdout, r"\nIMAP_TRASHFOLDERNAME='Deleted Items'\s+# %s:2\n" % re.escape(path))

    def test_broken_configurations_exit_2_naming_what_is_wrong(self):
        cases = [
            ("MAILDEX_USERDB=%s\nPORT 143\n" % self.users, r"maildex\.conf:2: expected KEY=VALUE"),
            ("MAILDEX_USERDB=%s\nPORT=lots\n" % self.users, r"PORT: expected a whole number"),
            ("MAILDEX_USERDB=%s\nTLS_CERTFILE=%s/none.pem\n" % (self.users, self.dir), r"TLS_CERTFILE: .*none\.pem"),
            ("MAILDEX_USERDB=%s/nobody\n" % self.dir, r"MAILDEX_USERDB: .*nobody"),
            ("PORT=143\n", r"MAILDEX_USERDB: no authentication configured"),
            ("MAILDEX_USERDB=%s\nMAILDEX_LOG=journal\n" % self.users, r"MAILDEX_LOG: expected stderr or syslog"),
            ("MAILDEX_USERDB=%s\nMAILDEX_LOG_FACILITY=mial\n" % self.users, r"MAILDEX_LOG_FACILITY: expected mail"),
            ("MAILDEX_USERDB=%s\nMAILDEX_USER=no-such-user-here\n" % self.users, r"MAILDEX_USER: no such user"),
        ]
        for text, message in cases:
            with self.subTest(text=text):
                p = self.check("--config", self.conf(text))
                self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
                self.assertRegex(p.stderr, message)
                self.assertNotIn("the configuration is good", p.stderr)

    def test_an_unknown_key_is_a_warning_naming_its_line(self):
        path = self.conf("MAILDEX_USERDB=%s\nMAILDEX_WROKERS=4\n" % self.users)
        p = self.check("--config", path)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("unknown setting MAILDEX_WROKERS (%s:2, ignored)" % path, p.stderr)

    def test_the_shipped_file_shows_the_defaults_check_config_prints(self):
        # Every "#KEY=VALUE" of etc/maildex.conf is what the server uses when the key is
        # not set (the unit test ConfigDefaults checks the same from the inside).
        shipped = os.path.join(os.path.dirname(__file__), "../../etc/maildex.conf")
        p = self.check("--set", "MAILDEX_USERDB=" + self.users)
        self.assertEqual(p.returncode, 0, p.stderr)
        printed = dict(re.findall(r"^([A-Z_0-9]+)=(\S*)\s+# default$", p.stdout, re.M))
        self.assertGreater(len(printed), 30)
        same = {"1": "YES", "0": "NO"}
        with open(shipped) as f:
            for line in f:
                m = re.match(r"^#([A-Z_0-9]+)=(.*)$", line.rstrip("\n"))
                if m and m.group(1) != "MAILDEX_USERDB":
                    shown, used = m.group(2), printed.get(m.group(1))
                    self.assertEqual(same.get(shown, shown), same.get(used, used), line)


class Logs(unittest.TestCase):
    def test_login_disconnect_and_refusal_lines(self):
        with MaildexServer(tls=True, settings={"MAXPERIP": "2"}) as srv:
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            raw = socket.create_connection(("127.0.0.1", srv.ssl_port), timeout=20)
            tls = LineClient(0, sock=ctx.wrap_socket(raw))
            tls.login("alice", "secret")
            version, cipher = tls.sock.version(), tls.sock.cipher()[0]
            self.assertTrue(tls.command("o1", "LOGOUT")[-1].startswith("o1 OK"))
            tls.close()

            plain = LineClient(srv.port)
            plain.line()
            plain.command("n1", "NOOP")
            held = LineClient(srv.port)
            held.line()
            refused = LineClient(srv.port)  # the third from 127.0.0.1, MAXPERIP=2
            self.assertEqual(refused.line(), "* BYE Too many connections from your address")
            for c in (plain, held, refused):
                c.close()
            srv.wait_for_connections(0)
            log = srv.read_log()

        lines = log.split("\n")
        self.assertEqual(lines[-1], "")
        self.assertNotIn("", lines[:-1], "an empty line in the log")
        self.assertNotIn("\\x0d", log)
        login = [l for l in lines if re.search(r"session \d+ 127\.0\.0\.1:\d+ alice: logged in", l)]
        self.assertEqual(len(login), 1, log)
        self.assertTrue(login[0].endswith(": logged in over %s %s" % (version, cipher)), login[0])
        bye = [l for l in lines if re.search(r" alice: disconnected \(", l)]
        self.assertEqual(len(bye), 1, log)
        self.assertRegex(bye[0], r"alice: disconnected \(Logging out\) after \d+\.\d s, (\d+) bytes in, (\d+) bytes out$")
        bytes_in, bytes_out = map(int, re.search(r"(\d+) bytes in, (\d+) bytes out", bye[0]).groups())
        self.assertEqual(bytes_in, len("l1 LOGIN alice secret\r\no1 LOGOUT\r\n"))
        self.assertGreater(bytes_out, 100)
        # The plain session that sent one NOOP, and the one held open (the server's start
        # probe is a third).
        closed = [l for l in lines if "disconnected (client closed the connection)" in l]
        self.assertEqual(len([l for l in closed if ", 9 bytes in, " in l]), 1, log)
        self.assertGreaterEqual(len(closed), 2, log)
        refusal = [l for l in lines if " refused 127.0.0.1" in l]
        self.assertEqual(len(refusal), 1, log)
        self.assertTrue(refusal[0].endswith("refused 127.0.0.1: Too many connections from your address"), refusal[0])


class Metrics(unittest.TestCase):
    def scrape(self, srv):
        with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % srv.admin_port, timeout=10) as r:
            return r.read().decode()

    def test_metrics_are_valid_and_count_what_the_issue_asks_for(self):
        with MaildexServer() as srv:
            c = LineClient(srv.port).login("alice", "secret")
            c.command("s1", "SELECT INBOX")
            busy = prometheus_text.parse(self.scrape(srv))
            c.send("i1 IDLE\r\n")
            self.assertEqual(c.line(), "+ idling")
            text = self.scrape(srv)
            fam = prometheus_text.parse(text)
            v = lambda name, **l: prometheus_text.value(fam, name, **l)
            self.assertEqual(v("maildex_connections", state="idle"), 1)
            # Open while the session works; a user whose sessions all wait in IDLE has
            # its database closed (net/server.cpp housekeeping), so it may be 0 now.
            self.assertGreaterEqual(prometheus_text.value(busy, "maildex_index_databases_open"), 1)
            self.assertIsNotNone(v("maildex_index_databases_open"))
            self.assertGreaterEqual(v("maildex_inotify_watches"), 2)  # new/ and cur/ of INBOX
            self.assertEqual(v("maildex_inotify_polling_fallbacks_total"), 0)
            build = [l for n, l, x in fam["maildex_build_info"]["samples"]]
            self.assertEqual(len(build), 1)
            self.assertRegex(build[0]["version"], r"^\d+\.\d+\.\d+$")
            with open("/proc/%d/status" % srv.proc.pid) as f:
                rss_kb = int(next(l for l in f if l.startswith("VmRSS:")).split()[1])
            self.assertAlmostEqual(v("process_resident_memory_bytes") / 1024, rss_kb, delta=rss_kb / 4)
            fds = len(os.listdir("/proc/%d/fd" % srv.proc.pid))
            self.assertAlmostEqual(v("process_open_fds"), fds, delta=3)
            self.assertAlmostEqual(v("process_start_time_seconds"), time.time(), delta=120)
            self.assertGreater(v("process_cpu_seconds_total"), 0)
            self.assertGreater(v("process_max_fds"), 0)
            c.send("DONE\r\n")
            c.until_tagged("i1")
            c.close()
            promtool = shutil.which("promtool") or unpacked_promtool()
            if promtool is None:
                print("promtool could not be fetched from Debian's mirror; the metrics were "
                      "checked by prometheus_text.py only", file=sys.stderr)
            else:
                p = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True,
                                   text=True)
                self.assertEqual(p.returncode, 0, p.stdout + p.stderr)

    def test_quota_usage_is_counted_over_users_not_listed_per_user(self):
        users = {u: "pw" for u in ("half", "ninety", "over", "account", "nolimit", "away")}
        srv = MaildexServer(users=users)
        sizes = {"half": ("10000S", 5000, 1), "ninety": ("100000S,10C", 1000, 10),
                 "over": ("10000S", 10001, 2), "away": ("10000S", 20000, 3)}
        for user, (quota, used, count) in sizes.items():
            with open(os.path.join(srv.maildirs[user].path, "maildirsize"), "w") as f:
                f.write("%s\n%12d %12d\n" % (quota, used, count))
        # The account's quota (a passwd-file extra field) wins over the file's.
        with open(os.path.join(srv.maildirs["account"].path, "maildirsize"), "w") as f:
            f.write("1000000S\n%12d %12d\n" % (9500, 1))
        with open(srv.userdb) as f:
            lines = [l.rstrip("\n") + ("quota=10000S" if l.startswith("account:") else "")
                     for l in f]
        with open(srv.userdb, "w") as f:
            f.write("\n".join(lines) + "\n")
        with srv:
            v = lambda fam, **l: prometheus_text.value(fam, "maildex_quota_users", **l)
            fam = prometheus_text.parse(self.scrape(srv))
            self.assertEqual(fam["maildex_quota_users"]["type"], "gauge")
            self.assertEqual((v(fam, usage="any"), v(fam, usage="over_90_percent"),
                              v(fam, usage="over_100_percent")), (0, 0, 0))
            # "away" does not log in: only users with a session are counted.
            clients = [LineClient(srv.port).login(u, "pw")
                       for u in ("half", "ninety", "over", "account", "nolimit")]
            fam = prometheus_text.parse(self.scrape(srv))
            # Over 90%: ninety (10 of 10 messages: full, not over), over (10,001 of 10,000
            # bytes) and account (9,500 of its account's 10,000). Over 100%: over.
            self.assertEqual(v(fam, usage="any"), 4)
            self.assertEqual(v(fam, usage="over_90_percent"), 3)
            self.assertEqual(v(fam, usage="over_100_percent"), 1)
            # Another program's delivery is seen at the next scrape (half: 95%).
            with open(os.path.join(srv.maildirs["half"].path, "maildirsize"), "a") as f:
                f.write("%12d %12d\n" % (4500, 1))
            fam = prometheus_text.parse(self.scrape(srv))
            self.assertEqual(v(fam, usage="over_90_percent"), 4)
            self.assertEqual(len(fam["maildex_quota_users"]["samples"]), 3)  # no per-user series
            for c in clients:
                c.command("o1", "LOGOUT")
                c.close()
            srv.wait_for_connections(0)
            deadline = time.time() + 10  # the last references go with the sessions' threads
            while v(prometheus_text.parse(self.scrape(srv)), usage="any") and time.time() < deadline:
                time.sleep(0.05)
            self.assertEqual(v(prometheus_text.parse(self.scrape(srv)), usage="any"), 0)

    def test_unknown_admin_paths_are_404_not_found(self):
        with MaildexServer() as srv:
            for method, path in (("GET", "/nope"), ("GET", "/"), ("POST", "/metrics"), ("GET", "/kick")):
                req = urllib.request.Request("http://127.0.0.1:%d%s" % (srv.admin_port, path), method=method,
                                             data=b"" if method == "POST" else None)
                with self.assertRaises(urllib.error.HTTPError) as e:
                    urllib.request.urlopen(req, timeout=10)
                self.assertEqual((e.exception.code, e.exception.reason), (404, "Not Found"), path)


class PrometheusTextChecker(unittest.TestCase):
    """The checker above must be able to fail."""

    def test_it_refuses_broken_text(self):
        good = "# HELP a_total A.\n# TYPE a_total counter\na_total 1\n"
        prometheus_text.parse(good)
        for bad in (
            "a_total 1\n",  # no HELP/TYPE
            "# HELP a A.\n# TYPE a counter\na 1\n",  # a counter without _total
            good + "a_total 2\n",  # the same series twice
            "# HELP g G.\n# TYPE g gauge\ng{x=\"1} 1\n",  # an unterminated label value
            "# HELP g G.\n# TYPE g gauge\ng 1\n\n# HELP h H.\n# TYPE h gauge\ng 2\n",  # outside its block
            "# HELP h H.\n# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_count 1\n",  # no +Inf bucket
            "# HELP g G.\n# TYPE g gauge\ng one\n",
            "# HELP g G.\n# TYPE g gauge\ng 1",  # no final line feed
        ):
            with self.subTest(bad=bad), self.assertRaises(prometheus_text.FormatError):
                prometheus_text.parse(bad)


if __name__ == "__main__":
    unittest.main()
