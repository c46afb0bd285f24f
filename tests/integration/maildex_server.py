"""A maildexd network server for integration tests: users with Maildirs, a self-signed
certificate, a configuration, a free loopback port, started and stopped by PID."""

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request

from maildex_testlib import MAILDEXD, Maildir


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_certificate(path, common_name):
    """A self-signed certificate and its key in one PEM file, as Courier's imapd.pem."""
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=" + common_name, "-keyout", path, "-out", path + ".crt"],
                   check=True, capture_output=True)
    with open(path, "a") as pem, open(path + ".crt") as crt:
        pem.write(crt.read())
    os.remove(path + ".crt")
    os.chmod(path, 0o600)


class MaildexServer:
    """Usage: with MaildexServer(users={"alice": "pw"}, settings={...}) as srv: ..."""

    def __init__(self, users=None, settings=None, tls=False, open_files=None, config_files=(),
                 env=None, wrapper=()):
        self.root = tempfile.mkdtemp(prefix="maildex-srv-")
        self.users = users or {"alice": "secret"}
        self.maildirs = {}
        lines = []
        for name, password in self.users.items():
            home = os.path.join(self.root, "home", name)
            md = Maildir.__new__(Maildir)
            md.root, md.path, md._counter = home, os.path.join(home, "Maildir"), 0
            Maildir._make(md.path)
            self.maildirs[name] = md
            lines.append("%s:{PLAIN}%s:::%s:%s::\n" % (name, password, name, home))
        self.userdb = os.path.join(self.root, "users")
        with open(self.userdb, "w") as f:
            f.writelines(lines)
        os.chmod(self.userdb, 0o600)
        self.port = free_port()
        self.admin_port = free_port()
        self.settings = {
            "ADDRESS": "127.0.0.1", "PORT": str(self.port), "MAILDEX_USERDB": self.userdb,
            "MAILDEX_ADMIN_ADDRESS": "127.0.0.1:%d" % self.admin_port, "MAILDEX_LOG_LEVEL": "info",
            # Tests run as root with Maildirs of root's: serve them (test_user_identity.py
            # covers users with their own uids).
            "MAILDEX_ALLOW_ROOT_MAIL": "YES",
        }
        if tls:
            self.cert = os.path.join(self.root, "imapd.pem")
            make_certificate(self.cert, "maildex.test")
            self.ssl_port = free_port()
            self.settings.update({"TLS_CERTFILE": self.cert, "SSLADDRESS": "127.0.0.1",
                                  "SSLPORT": str(self.ssl_port), "IMAPDSSLSTART": "YES"})
        self.settings.update(settings or {})
        self.open_files = open_files  # the server's RLIMIT_NOFILE, soft and hard
        self.config_files = list(config_files)  # --config FILE each, before the --set ones
        self.env = env  # the server's environment (None: this process's)
        # A command that execs the server (its PID stays the one Popen knows), e.g. unshare.
        self.wrapper = list(wrapper)
        self.proc = None
        self.log_path = os.path.join(self.root, "maildexd.log")

    def start(self):
        args = self.wrapper + [MAILDEXD]
        for f in self.config_files:
            args += ["--config", f]
        for k, v in self.settings.items():
            args += ["--set", "%s=%s" % (k, v)]
        if getattr(self, "log", None):
            self.log.close()  # started again: a fresh log
        self.log = open(self.log_path, "w")
        limit = None
        if self.open_files:
            import resource
            limit = lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (self.open_files, self.open_files))
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=self.log, preexec_fn=limit,
                                     env=self.env)
        deadline = time.time() + 20
        probes = 0
        # With IMAPDSTART=NO only SSLPORT is listened on: knock there.
        probe_port = self.port if self.settings.get("IMAPDSTART", "YES").upper() != "NO" else self.ssl_port
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("maildexd exited: " + self.read_log())
            try:
                socket.create_connection(("127.0.0.1", probe_port), timeout=1).close()
                probes += 1
                # A probe counts against MAXPERIP from when the server accepts it until it
                # sees it closed: wait for both (the gauge alone reads 0 before the accept).
                while self.metric("maildex_connections_accepted_total") < probes:
                    if time.time() > deadline:
                        raise RuntimeError("maildexd did not accept its probe")
                    time.sleep(0.02)
                self.wait_for_connections(0)
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("maildexd did not start: " + self.read_log())

    def metric(self, name):
        """A value from the admin endpoint's Prometheus text."""
        with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % self.admin_port, timeout=10) as r:
            for line in r.read().decode().splitlines():
                if line.startswith(name + " "):
                    return float(line.split()[1])
        return None

    def wait_for_connections(self, count, timeout=20):
        deadline = time.time() + timeout
        while self.metric("maildex_connections_open") != count:
            if time.time() > deadline:
                raise RuntimeError("server still has %s connections" % self.metric("maildex_connections_open"))
            time.sleep(0.02)

    def read_log(self):
        with open(self.log_path) as f:
            return f.read()

    def stop(self, timeout=20):
        """SIGTERM by PID; returns the exit code."""
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise

    def cleanup(self):
        try:
            self.stop()
        finally:
            if self.proc is not None and self.proc.poll() is None:
                self.proc.kill()
            if getattr(self, "log", None):
                self.log.close()
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.cleanup()


class LineClient:
    """A raw IMAP client on a socket: send lines, read lines, with timeouts."""

    def __init__(self, port, host="127.0.0.1", sock=None, timeout=20):
        self.sock = sock or socket.create_connection((host, port), timeout=timeout)
        self.sock.settimeout(timeout)
        self.buffer = b""

    def send(self, data):
        self.sock.sendall(data if isinstance(data, bytes) else data.encode())

    def line(self, timeout=None):
        if timeout is not None:
            self.sock.settimeout(timeout)
        while b"\r\n" not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("connection closed; pending: %r" % self.buffer)
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\r\n", 1)
        return line.decode("utf-8", "replace")

    def until_tagged(self, tag, timeout=None):
        """Lines up to and including the tagged one."""
        lines = []
        while True:
            l = self.line(timeout)
            lines.append(l)
            if l.startswith(tag + " "):
                return lines

    def command(self, tag, text, timeout=None):
        self.send("%s %s\r\n" % (tag, text))
        return self.until_tagged(tag, timeout)

    def login(self, user, password):
        self.line()  # greeting
        lines = self.command("l1", "LOGIN %s %s" % (user, password))
        assert lines[-1].startswith("l1 OK"), lines
        return self

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass
