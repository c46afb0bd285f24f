"""Password guessing against a running maildexd, as an attacker would: many parallel
connections, each sending LOGIN with a new wrong password and giving up on an answer
that takes longer than its patience (then it reconnects and tries the next one). Used by
test_login_throttle.py and scripts/bench-brute-force.

What counts is what the attacker learns: a guess is a LOGIN whose answer reached the
client ("NO [AUTHENTICATIONFAILED]", or OK). An answer the attacker gave up on tells it
nothing, and neither does "NO [UNAVAILABLE]", which the server gives without checking."""

import socket
import threading
import time


class Tally:
    """Answers the attackers received, with the time each arrived."""

    def __init__(self):
        self.lock = threading.Lock()
        self.guesses = []  # (time, address, user): answered with the password's verdict
        self.refused = 0  # NO [UNAVAILABLE]: refused unchecked
        self.gave_up = 0  # no answer within the patience
        self.successes = 0

    def add_guess(self, address, user, ok):
        with self.lock:
            self.guesses.append((time.time(), address, user))
            if ok:
                self.successes += 1

    def count(self, start, end, address=None, user=None):
        """Guesses answered in [start, end), for one address and/or user (None: any)."""
        with self.lock:
            return sum(1 for t, a, u in self.guesses
                       if start <= t < end and address in (None, a) and user in (None, u))


def _read_line(sock, buffer, deadline):
    """One CRLF line before `deadline` (None on timeout, EOFError when closed)."""
    while b"\r\n" not in buffer[0]:
        left = deadline - time.time()
        if left <= 0:
            return None
        sock.settimeout(left)
        try:
            chunk = sock.recv(4096)
        except socket.timeout:
            return None
        if not chunk:
            raise EOFError
        buffer[0] += chunk
    line, buffer[0] = buffer[0].split(b"\r\n", 1)
    return line.decode("utf-8", "replace")


def attacker(port, source, users, tally, stop, patience=0.2, prefix="g"):
    """Guesses passwords for `users` (in turn) from `source` until `stop` is set."""
    n = 0
    while not stop.is_set():
        try:
            sock = socket.create_connection(("127.0.0.1", port), timeout=5,
                                            source_address=(source, 0))
        except OSError:
            time.sleep(0.05)
            continue
        buffer = [b""]
        try:
            greeting = _read_line(sock, buffer, time.time() + 5)
            if greeting is None or not greeting.startswith("* OK"):
                time.sleep(0.05)  # e.g. MAXPERIP while closed connections are counted out
                continue
            while not stop.is_set():
                n += 1
                user = users[n % len(users)]
                tag = "%s%d" % (prefix, n)
                sock.sendall(("%s LOGIN %s %s-wrong-%d\r\n" % (tag, user, prefix, n)).encode())
                deadline = time.time() + patience
                answer = None
                while True:
                    line = _read_line(sock, buffer, deadline)
                    if line is None or line.startswith(tag + " "):
                        answer = line
                        break
                if answer is None:
                    with tally.lock:
                        tally.gave_up += 1
                    break  # impatient: a new connection for the next guess
                if "[UNAVAILABLE]" in answer:
                    with tally.lock:
                        tally.refused += 1
                    continue
                tally.add_guess(source, user, answer.startswith(tag + " OK"))
                if answer.startswith(tag + " OK"):
                    break  # logged in: start again on a fresh connection
        except (OSError, EOFError):
            pass
        finally:
            sock.close()


def legitimate_logins(port, source, user, password, stop, results, every=1.0):
    """Logs in as a real user every `every` seconds; appends each login's time to answer
    (None when refused) to `results`."""
    while not stop.is_set():
        start = time.time()
        try:
            sock = socket.create_connection(("127.0.0.1", port), timeout=30,
                                            source_address=(source, 0))
            buffer = [b""]
            greeting = _read_line(sock, buffer, time.time() + 30)
            if greeting and greeting.startswith("* OK"):
                sock.sendall(("ok1 LOGIN %s %s\r\n" % (user, password)).encode())
                deadline = time.time() + 60
                while True:
                    line = _read_line(sock, buffer, deadline)
                    if line is None or line.startswith("ok1 "):
                        break
                results.append(time.time() - start if line and line.startswith("ok1 OK") else None)
            sock.close()
        except (OSError, EOFError):
            results.append(None)
        stop.wait(every)


def timed_login(port, source, user, password, timeout=60):
    """One LOGIN on a new connection from `source`: (seconds to the answer, answer line);
    the line is None when nothing came within `timeout`."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(source, 0))
    try:
        buffer = [b""]
        greeting = _read_line(sock, buffer, time.time() + 10)
        if greeting is None or not greeting.startswith("* OK"):
            return 0.0, greeting
        start = time.time()
        sock.sendall(("t1 LOGIN %s %s\r\n" % (user, password)).encode())
        while True:
            line = _read_line(sock, buffer, start + timeout)
            if line is None or line.startswith("t1 "):
                return time.time() - start, line
    finally:
        sock.close()


def run_attack(port, groups, duration, patience=0.2):
    """Runs attackers for `duration` seconds. `groups` is a list of (source address,
    connections, users[, patience]). Returns (tally, start, end)."""
    tally = Tally()
    stop = threading.Event()
    threads = []
    for gi, group in enumerate(groups):
        source, connections, users = group[:3]
        wait = group[3] if len(group) > 3 else patience
        for ci in range(connections):
            t = threading.Thread(target=attacker, daemon=True,
                                 args=(port, source, users, tally, stop, wait,
                                       "g%dc%dn" % (gi, ci)))
            threads.append(t)
    start = time.time()
    for t in threads:
        t.start()
    stop.wait(duration)
    end = time.time()
    stop.set()
    for t in threads:
        t.join(10)
    return tally, start, end
