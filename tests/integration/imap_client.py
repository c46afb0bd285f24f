"""A small IMAP client on a raw socket, for tests and load scripts that must see every
byte the server sends and when it sent it (scripts/soak-crash, scripts/stress).

It reads whole responses (a line with the literals it announces, RFC 3501 section 4.3),
classifies them (tagged, untagged, continuation; EXISTS, EXPUNGE, FETCH, FLAGS,
VANISHED, status responses with their response code) and parses their values with
imap_values.Reader. It never interprets what it reads beyond that: callers that track a
session's state hook `observer`, which sees every response in arrival order together
with the command that was in progress when it arrived (None between commands).

    c = ImapConnection(port)
    c.login("alice", "secret")
    untagged, tagged = c.command(b"SELECT INBOX")
    c.idle(seconds=1.0)

Commands with literals are sent with LITERAL+ ({n+}), so a command is one write.
"""

import re
import select
import socket
import time

from imap_values import ParseError, Reader, fetch_items


class ImapError(Exception):
    """The connection broke (closed, reset, timed out) or the server said something that
    cannot be parsed as a response."""


class Response:
    """One server response. `raw` is everything, literals included, without the final
    CRLF. `tag` is b"*", b"+" or the command's tag; `kind` is the response's name in upper
    case (b"OK", b"EXISTS", b"FETCH", b"FLAGS", b"VANISHED", b"SEARCH", ...; b"+" for a
    continuation); `number` is the n of "* n KIND"; `code` and `code_args` the response
    code of a status response ("[APPENDUID 3 7]" -> b"APPENDUID", b"3 7")."""

    __slots__ = ("raw", "tag", "kind", "number", "code", "code_args", "received")

    def __init__(self, raw):
        self.raw = raw
        self.received = time.monotonic()
        self.number = None
        self.code = None
        self.code_args = b""
        if raw.startswith(b"+"):
            self.tag, self.kind = b"+", b"+"
            return
        parts = raw.split(b" ", 3)
        if len(parts) < 2:
            raise ImapError("not a response: %r" % raw[:200])
        self.tag = parts[0]
        if self.tag == b"*" and parts[1].isdigit() and len(parts) >= 3:
            self.number = int(parts[1])
            self.kind = parts[2].upper()
        else:
            self.kind = parts[1].upper()
        if self.kind in (b"OK", b"NO", b"BAD", b"BYE", b"PREAUTH"):
            rest = raw.split(b" ", 2)[2] if raw.count(b" ") >= 2 else b""
            if rest.startswith(b"["):
                end = rest.find(b"]")
                if end > 0:
                    inner = rest[1:end]
                    name, _, args = inner.partition(b" ")
                    self.code, self.code_args = name.upper(), args

    @property
    def untagged(self):
        return self.tag == b"*"

    def text(self):
        return self.raw.decode("utf-8", "replace")

    def fetch(self):
        """{item name (upper case bytes): value} of a FETCH response."""
        try:
            return fetch_items(self.raw)
        except (ParseError, ValueError, IndexError) as e:
            raise ImapError("unparsable FETCH response %r: %s" % (self.raw[:300], e))

    def flags_list(self):
        """The flags of "* FLAGS (...)" or of "[PERMANENTFLAGS (...)]", as str."""
        source = self.code_args if self.code == b"PERMANENTFLAGS" else self.raw.split(b" ", 2)[2]
        try:
            values = Reader(source).value()
        except (ParseError, ValueError, IndexError) as e:
            raise ImapError("unparsable flag list %r: %s" % (self.raw[:300], e))
        return [bytes(v).decode() for v in values]

    def __repr__(self):
        return "Response(%r)" % self.raw[:200]


# --- values ------------------------------------------------------------------------------

def parse_set(text):
    """The numbers of a sequence set ("1:3,7,9:8" -> [1, 2, 3, 7, 8, 9]); a:b is b:a.
    "*" is not expanded (callers never receive it from a server)."""
    if isinstance(text, bytes):
        text = text.decode()
    out = []
    for part in text.split(","):
        if ":" in part:
            a, b = (int(x) for x in part.split(":"))
            lo, hi = min(a, b), max(a, b)
            out.extend(range(lo, hi + 1))
        elif part:
            out.append(int(part))
    return out


def format_set(numbers):
    """A compact sequence set of the given numbers, ranges joined ([1,2,3,7] -> "1:3,7")."""
    numbers = sorted(set(numbers))
    out = []
    i = 0
    while i < len(numbers):
        j = i
        while j + 1 < len(numbers) and numbers[j + 1] == numbers[j] + 1:
            j += 1
        out.append(str(numbers[i]) if i == j else "%d:%d" % (numbers[i], numbers[j]))
        i = j + 1
    return ",".join(out)


def quote(text):
    """A string as an IMAP quoted string (no CR, LF or NUL: callers use literals for those)."""
    if isinstance(text, bytes):
        text = text.decode()
    assert not re.search(r"[\r\n\0]", text), text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def literal_plus(data):
    """A non-synchronizing literal (RFC 7888)."""
    return b"{%d+}\r\n" % len(data) + data


def uidplus_pairs(code_args):
    """(uidvalidity, [(source uid, destination uid)]) from COPYUID's arguments."""
    parts = code_args.split()
    if len(parts) != 3:
        raise ImapError("malformed COPYUID: %r" % code_args)
    source, dest = parse_set(parts[1]), parse_set(parts[2])
    if len(source) != len(dest):
        raise ImapError("COPYUID with %d source and %d destination UIDs: %r"
                        % (len(source), len(dest), code_args))
    return int(parts[0]), list(zip(source, dest))


# --- the connection ---------------------------------------------------------------------

class ImapConnection:
    """One IMAP connection. `observer(response, command)` is called for every response
    read, in order; `command` is the (tag, text) in progress, or None between commands.
    `trace` (a collections.deque or list) receives every line sent and received, for
    error reports."""

    def __init__(self, port, host="127.0.0.1", timeout=30.0, tag_prefix="a", observer=None,
                 trace=None):
        self.timeout = timeout
        try:
            self.sock = socket.create_connection((host, port), timeout=timeout)
        except OSError as e:
            raise ImapError("cannot connect to %s:%d: %s" % (host, port, e))
        self.sock.settimeout(timeout)
        self.buf = b""
        self.tag_prefix = tag_prefix
        self.tags = 0
        self.observer = observer
        self.trace = trace
        self.in_progress = None  # (tag, command text) while a command waits for its reply
        self.closed = False
        self.greeting = self.read_response()

    # reading

    def _fill(self, deadline):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise ImapError("timed out waiting for the server (in progress: %r; pending: %r)"
                            % (self.in_progress, self.buf[-200:]))
        self.sock.settimeout(remaining)
        try:
            chunk = self.sock.recv(1 << 16)
        except socket.timeout:
            raise ImapError("timed out waiting for the server (in progress: %r; pending: %r)"
                            % (self.in_progress, self.buf[-200:]))
        except OSError as e:
            self.closed = True
            raise ImapError("connection broken: %s" % e)
        if not chunk:
            self.closed = True
            raise ImapError("connection closed by the server (in progress: %r; pending: %r)"
                            % (self.in_progress, self.buf[-200:]))
        self.buf += chunk

    def _complete_response_length(self):
        """The length of the first complete response in the buffer including its CRLF,
        or None when more bytes are needed."""
        pos = 0
        while True:
            eol = self.buf.find(b"\r\n", pos)
            if eol < 0:
                return None
            line_end = self.buf[max(pos, eol - 24):eol]
            m = re.search(rb"\{(\d+)\+?\}$", line_end)
            if not m:
                return eol + 2
            n = int(m.group(1))
            if len(self.buf) < eol + 2 + n:
                return None
            pos = eol + 2 + n

    def _take(self, length):
        raw, self.buf = self.buf[:length - 2], self.buf[length:]
        response = Response(raw)
        if self.trace is not None:
            self.trace.append("S: " + response.text()[:500])
        if self.observer:
            self.observer(response, self.in_progress)
        return response

    def read_response(self, timeout=None):
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            n = self._complete_response_length()
            if n is not None:
                return self._take(n)
            self._fill(deadline)

    def poll(self, wait=0.0):
        """The responses that arrive within `wait` seconds without sending anything."""
        out = []
        deadline = time.monotonic() + wait
        while True:
            n = self._complete_response_length()
            if n is not None:
                out.append(self._take(n))
                continue
            remaining = max(0.0, deadline - time.monotonic())
            ready, _, _ = select.select([self.sock], [], [], remaining)
            if not ready:
                return out
            self._fill(time.monotonic() + self.timeout)

    # writing

    def send(self, data):
        if self.trace is not None:
            first = data.split(b"\r\n", 1)[0]
            more = " ..." if len(first) + 2 < len(data) else ""
            self.trace.append("C: " + first[:300].decode("utf-8", "replace") + more)
        try:
            self.sock.sendall(data)
        except OSError as e:
            self.closed = True
            raise ImapError("cannot send: %s" % e)

    def next_tag(self):
        self.tags += 1
        return ("%s%d" % (self.tag_prefix, self.tags)).encode()

    def start(self, text):
        """Sends a command (bytes, literals already in it as {n+}); returns its tag."""
        if isinstance(text, str):
            text = text.encode()
        tag = self.next_tag()
        self.in_progress = (tag, text)
        self.send(tag + b" " + text + b"\r\n")
        return tag

    def finish(self, tag, timeout=None):
        """Reads up to the tagged reply to `tag`: (untagged responses, tagged response)."""
        untagged = []
        while True:
            r = self.read_response(timeout)
            if r.tag == tag:
                self.in_progress = None
                return untagged, r
            untagged.append(r)  # a BYE too: the tagged reply or the close follows

    def command(self, text, timeout=None):
        return self.finish(self.start(text), timeout)

    def login(self, user, password):
        _, tagged = self.command(b"LOGIN %s %s" % (quote(user).encode(), quote(password).encode()))
        if tagged.kind != b"OK":
            raise ImapError("login of %s refused: %s" % (user, tagged.text()))
        return tagged

    def idle(self, seconds):
        """IDLE for `seconds`, then DONE; returns (untagged responses, tagged response).
        Everything the server pushes during the IDLE reaches the observer as it comes."""
        tag = self.start(b"IDLE")
        untagged = []
        while True:
            r = self.read_response()
            if r.tag == b"+":
                break
            if r.tag == tag:  # refused
                self.in_progress = None
                return untagged, r
            untagged.append(r)
        untagged += self.poll(seconds)
        self.send(b"DONE\r\n")
        more, tagged = self.finish(tag)
        return untagged + more, tagged

    def close(self):
        if self.closed:
            return
        self.closed = True
        try:
            self.sock.close()
        except OSError:
            pass

    def logout(self):
        try:
            self.command(b"LOGOUT", timeout=5)
        except ImapError:
            pass
        self.close()
