"""systemd's Type=notify (etc/maildexd.service) without systemd: the test binds the unix
datagram socket systemd would, starts maildexd with NOTIFY_SOCKET naming it, and checks
that READY=1 arrives only once the IMAP port accepts connections, then RELOADING=1 and
READY=1 around a SIGHUP and STOPPING=1 at SIGTERM. Also checks the unit file itself
with systemd-analyze when this machine has it."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from maildex_server import LineClient, MaildexServer  # noqa: E402
from maildex_testlib import REPO  # noqa: E402


class Notify(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="maildex-notify-")
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
        self.path = os.path.join(self.dir, "notify")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.addCleanup(self.sock.close)

    def receive(self, timeout=20):
        self.sock.settimeout(timeout)
        return self.sock.recv(4096).decode()

    def test_ready_after_listening_reloading_and_stopping(self):
        env = dict(os.environ, NOTIFY_SOCKET=self.path)
        srv = MaildexServer(users={"alice": "secret"}, env=env)
        self.addCleanup(srv.cleanup)
        # Not srv.start(): it waits for the port itself; here READY=1 must be enough.
        args = [a for k, v in srv.settings.items() for a in ("--set", "%s=%s" % (k, v))]
        srv.log = open(srv.log_path, "w")
        from maildex_testlib import MAILDEXD
        srv.proc = subprocess.Popen([MAILDEXD] + args, stdout=subprocess.DEVNULL, stderr=srv.log,
                                    env=env)
        message = self.receive()
        fields = dict(line.split("=", 1) for line in message.splitlines())
        self.assertEqual(fields.get("READY"), "1", message)
        self.assertEqual(fields.get("MAINPID"), str(srv.proc.pid), message)
        # The moment READY=1 is read, the port takes a connection and greets.
        c = LineClient(srv.port)
        self.assertTrue(c.line().startswith("* OK"))
        c.close()
        self.assertIn("listening on", srv.read_log())

        srv.proc.send_signal(signal.SIGHUP)
        self.assertEqual(self.receive(), "RELOADING=1")
        self.assertEqual(self.receive(), "READY=1")
        srv.proc.send_signal(signal.SIGTERM)
        self.assertEqual(self.receive(), "STOPPING=1")
        self.assertEqual(srv.proc.wait(timeout=20), 0)

    def test_without_notify_socket_nothing_is_sent_and_the_server_runs(self):
        env = dict(os.environ)
        env.pop("NOTIFY_SOCKET", None)
        with MaildexServer(users={"alice": "secret"}, env=env) as srv:
            c = LineClient(srv.port)
            self.assertTrue(c.line().startswith("* OK"))
            c.close()
        with self.assertRaises(socket.timeout):
            self.receive(timeout=0.2)


class Unit(unittest.TestCase):
    def test_systemd_analyze_rates_the_unit_ok(self):
        if not shutil.which("systemd-analyze"):
            self.skipTest("systemd-analyze is not installed")
        unit = os.path.join(REPO, "etc", "maildexd.service")
        p = subprocess.run(["systemd-analyze", "security", "--offline=yes", unit],
                           capture_output=True, text=True, timeout=60, cwd=tempfile.gettempdir())
        if "Overall exposure level" not in p.stdout:
            self.skipTest("systemd-analyze security --offline is not usable here: " + p.stderr[-200:])
        level = float(p.stdout.split("Overall exposure level for maildexd.service:")[1].split()[0])
        self.assertLess(level, 3.5, p.stdout)
        with open(unit) as f:
            text = f.read()
        self.assertIn("Type=notify", text)
        self.assertIn("CapabilityBoundingSet=CAP_NET_BIND_SERVICE CAP_SETUID CAP_SETGID "
                      "CAP_DAC_READ_SEARCH", text)


if __name__ == "__main__":
    unittest.main()
