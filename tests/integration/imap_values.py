"""IMAP on a child process's stdin/stdout, and response values read into Python values, so
that two servers' answers can be compared by meaning (RFC 3501 section 9): a quoted string
and a literal with the same content are the same value.

Values: None for NIL, bytes for a string (quoted or literal), Atom for an atom or number,
list for a parenthesized list."""

import os
import select
import subprocess
import time


class Atom(bytes):
    def __repr__(self):
        return 'Atom(%s)' % bytes.__repr__(self)


class ParseError(Exception):
    pass


class Reader:
    def __init__(self, data, pos=0):
        self.s = data
        self.pos = pos

    def at_end(self):
        return self.pos >= len(self.s)

    def skip_spaces(self):
        while self.pos < len(self.s) and self.s[self.pos:self.pos + 1] in (b' ', b'\r', b'\n'):
            self.pos += 1

    def value(self):
        self.skip_spaces()
        if self.at_end():
            raise ParseError('value expected at the end of %r' % self.s[-80:])
        c = self.s[self.pos:self.pos + 1]
        if c == b'(':
            self.pos += 1
            items = []
            self.skip_spaces()
            while self.s[self.pos:self.pos + 1] != b')':
                if self.at_end():
                    raise ParseError('unclosed list in %r' % self.s[:80])
                items.append(self.value())
                self.skip_spaces()
            self.pos += 1
            return items
        if c == b'"':
            out = bytearray()
            self.pos += 1
            while self.s[self.pos:self.pos + 1] != b'"':
                if self.at_end():
                    raise ParseError('unclosed quoted string')
                if self.s[self.pos:self.pos + 1] == b'\\':
                    self.pos += 1
                out += self.s[self.pos:self.pos + 1]
                self.pos += 1
            self.pos += 1
            return bytes(out)
        if c == b'{':
            close = self.s.index(b'}', self.pos)
            n = int(self.s[self.pos + 1:close].rstrip(b'+'))
            start = close + 3  # "}\r\n"
            self.pos = start + n
            return self.s[start:start + n]
        # An atom; section names like BODY[HEADER.FIELDS (A B)] keep their brackets.
        start = self.pos
        depth = 0
        while self.pos < len(self.s):
            d = self.s[self.pos:self.pos + 1]
            if d == b'[':
                depth += 1
            elif d == b']':
                depth -= 1
            elif depth == 0 and d in (b' ', b'(', b')', b'\r', b'\n'):
                break
            self.pos += 1
        text = self.s[start:self.pos]
        return None if text == b'NIL' else Atom(text)

    def values(self):
        out = []
        self.skip_spaces()
        while not self.at_end():
            out.append(self.value())
            self.skip_spaces()
        return out


def parse_values(data):
    return Reader(data).values()


def fetch_items(response):
    """{item name: value} of one "* n FETCH (...)" response."""
    at = response.index(b' FETCH (')
    items = Reader(response, at + 7).value()
    return {bytes(items[i]).upper(): items[i + 1] for i in range(0, len(items) - 1, 2)}


class ImapProcess:
    """One IMAP session with a server that speaks on stdin/stdout (PREAUTH)."""

    def __init__(self, argv, env=None, cwd=None, timeout=60):
        self.argv = argv
        self.p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, env=env, cwd=cwd)
        self.buf = b''
        self.timeout = timeout
        self.tags = 0
        self.greeting = self._line()

    def _more(self, deadline):
        fd = self.p.stdout.fileno()
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
            raise TimeoutError('%s did not answer in time; last bytes: %r'
                               % (self.argv[-1], self.buf[-200:]))
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            err = self.p.stderr.read().decode(errors='replace')
            raise EOFError('%s closed the connection (exit %s): %s; last bytes: %r'
                           % (self.argv, self.p.poll(), err.strip(), self.buf[-200:]))
        self.buf += chunk

    def _line(self):
        """One response: a line, with the literals it announces."""
        deadline = time.monotonic() + self.timeout
        pos = 0
        while True:
            eol = self.buf.find(b'\r\n', pos)
            if eol < 0:
                self._more(deadline)
                continue
            line = self.buf[:eol]
            if line.endswith(b'}') and b'{' in line[pos:]:
                n = int(line[line.rindex(b'{') + 1:-1].rstrip(b'+'))
                while len(self.buf) < eol + 2 + n:
                    self._more(deadline)
                pos = eol + 2 + n
                continue
            self.buf = self.buf[eol + 2:]
            return line

    def command(self, text):
        """Sends `text` (bytes, literals as {n+}) under a new tag; returns (untagged
        responses, tagged response)."""
        self.tags += 1
        tag = b'x%d' % self.tags
        self.p.stdin.write(tag + b' ' + text + b'\r\n')
        self.p.stdin.flush()
        untagged = []
        while True:
            line = self._line()
            if line.startswith(tag + b' '):
                return untagged, line
            untagged.append(line)

    def close(self):
        try:
            self.command(b'LOGOUT')
        except (EOFError, TimeoutError, BrokenPipeError):
            pass
        try:
            self.p.stdin.close()
        except BrokenPipeError:
            pass
        try:
            self.p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
        self.p.stdout.close()
        self.p.stderr.close()


def literal(text):
    """A string argument as a non-synchronizing literal (RFC 7888), for 8-bit text."""
    data = text.encode() if isinstance(text, str) else text
    return b'{%d+}\r\n' % len(data) + data
