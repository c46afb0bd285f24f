"""MAILDEX_LOG=syslog for real: maildexd logs through syslog(3) to a datagram socket this
test owns, and every log line arrives as one datagram with the facility asked for, one per
event, with a client's CR LF escaped rather than splitting or forging a line.

glibc's syslog(3) sends to /dev/log, a path compiled in. Rather than give the server a
setting that only tests would use (and a second way of logging that production would not
run), the server runs unchanged in a mount namespace of its own (util-linux's unshare, as
the authdaemond tests do) whose /dev is a temporary directory holding the test's socket as
"log" (and /dev/null, zero, random and urandom bound from the real /dev). The machine's
/dev is never touched. Needs root; skipped, saying why, otherwise."""

import os
import re
import shutil
import socket
import tempfile
import threading
import time
import unittest

from maildex_server import MaildexServer, LineClient

LOCAL3 = 19  # <pri> = facility * 8 + severity (RFC 3164 / RFC 5424)
INFO, WARNING = 6, 4


def why_not():
    if os.geteuid() != 0:
        return "needs root (a mount namespace whose /dev/log is the test's socket)"
    if shutil.which("unshare") is None:
        return "unshare missing (util-linux)"
    return None


@unittest.skipIf(why_not() is not None, why_not() or "")
class SyslogTarget(unittest.TestCase):
    def setUp(self):
        self.dev = tempfile.mkdtemp(prefix="maildex-dev-")
        self.addCleanup(shutil.rmtree, self.dev, True)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(os.path.join(self.dev, "log"))
        self.sock.settimeout(0.2)
        self.addCleanup(self.sock.close)
        # Read all the time: a Unix datagram socket queues only a few (net.unix.max_dgram_qlen,
        # 10 by default), and syslog(3) then blocks the server, as a stalled syslogd would.
        self.grams, self.stop_reading = [], threading.Event()
        self.reader = threading.Thread(target=self.read)
        self.reader.start()
        self.addCleanup(self.reader.join, 10)
        self.addCleanup(self.stop_reading.set)
        devices = " ".join("touch %s/%s; mount --bind /dev/%s %s/%s;" % (self.dev, d, d, self.dev, d)
                           for d in ("null", "zero", "random", "urandom"))
        script = "set -e; %s mount --rbind %s /dev; exec \"$@\"" % (devices, self.dev)
        self.wrapper = ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh"]

    def read(self):
        while not self.stop_reading.is_set():
            try:
                self.grams.append(self.sock.recv(65536))
            except socket.timeout:
                pass

    def received(self):
        """What arrived, once nothing more has come for half a second."""
        count = -1
        while count != len(self.grams):
            count = len(self.grams)
            time.sleep(0.5)
        return list(self.grams)

    def test_one_datagram_per_event_with_the_facility_and_crlf_escaped(self):
        srv = MaildexServer(users={"alice": "pw"}, wrapper=self.wrapper,
                            settings={"MAILDEX_LOG": "syslog", "MAILDEX_LOG_FACILITY": "local3"})
        with srv:
            for _ in range(3):
                LineClient(srv.port).login("alice", "pw").close()
            # A user name with CR LF in it, sent as a literal (a quoted string cannot hold it).
            c = LineClient(srv.port)
            c.line()
            user = "evil\r\nforged: line"
            c.send("a LOGIN {%d}\r\n" % len(user))
            self.assertTrue(c.line().startswith("+"))
            c.send(user + " pw\r\n")
            lines = c.until_tagged("a")
            self.assertTrue(lines[-1].startswith("a NO"), lines)
            c.close()
            srv.wait_for_connections(0)
            grams = [g.decode("utf-8") for g in self.received()]
            self.assertEqual(srv.read_log(), "")  # nothing went to stderr instead

        for g in grams:
            # glibc's local form: "<pri>Mmm dd hh:mm:ss maildexd[pid]: message", one line.
            self.assertRegex(g, r"^<\d+>\w{3} [ \d]\d \d\d:\d\d:\d\d maildexd\[\d+\]: \S")
            self.assertNotIn("\n", g.rstrip("\n"))
            self.assertNotIn("\r", g)
            self.assertEqual(int(g[1:g.index(">")]) // 8, LOCAL3, g)
        text = [g[g.index("]: ") + 3:] for g in grams]
        logins = [t for t in text if re.search(r": logged in", t)]
        self.assertEqual(len(logins), 3, text)
        self.assertTrue(all(g.startswith("<%d>" % (LOCAL3 * 8 + INFO))
                            for g in grams if ": logged in" in g))
        failed = [t for t in text if "login failed for" in t]
        self.assertEqual(len(failed), 1, text)
        self.assertIn("evil\\x0d\\x0aforged: line", failed[0])
        # The forged "line" started nowhere: no datagram begins with it.
        self.assertFalse(any(t.startswith("forged") for t in text), text)
        # One line per connection's end: alice's three, each once.
        disconnected = [t for t in text if " alice: disconnected" in t]
        self.assertEqual(len(disconnected), 3, text)
        self.assertEqual(len(set(t.split(":")[0] for t in disconnected)), 3, disconnected)


if __name__ == "__main__":
    unittest.main()
