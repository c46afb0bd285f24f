"""The nginx mail proxy's auth_http endpoint (/auth on MAILDEX_ADMIN_ADDRESS), asked as
nginx asks it, against the real server: Auth-User and Auth-Pass escaped as nginx escapes
them (passwords with '%', spaces, '+' and UTF-8 log in), Client-IP judged by
IMAPACCESSFILE and used for pacing, Auth-Wait and Auth-Error-Code on failures, and
Auth-Server/Auth-Port naming MAILDEX_PROXY_BACKEND or the listener's own address. Then the
address it names really serves the user."""

import os
import time
import unittest
import urllib.request

from maildex_server import LineClient, MaildexServer

# Passwords the userdb can hold ({PLAIN}, no ':'), each with something nginx escapes.
USERS = {"alice": "50% off", "bob": "a+b c", "carol": "p\u00e4ssw\u00f6rd \u00fc",
         "dave": "%41%", "erin": "plain"}


def nginx_escape(text):
    """ngx_escape_uri(NGX_ESCAPE_MAIL_AUTH): control characters, space, '%', DEL and bytes
    from 0x80 become %XX; everything else, '+' included, stays."""
    out = []
    for b in text.encode("utf-8"):
        out.append("%%%02X" % b if b <= 0x20 or b in (0x25, 0x7f) or b >= 0x80 else chr(b))
    return "".join(out)


def auth(srv, user, password, client="192.0.2.1", escape=True, attempt=1):
    req = urllib.request.Request(
        "http://127.0.0.1:%d/auth" % srv.admin_port,
        headers={"Auth-Method": "plain", "Auth-Protocol": "imap",
                 "Auth-User": nginx_escape(user) if escape else user,
                 "Auth-Pass": nginx_escape(password) if escape else password,
                 "Auth-Login-Attempt": str(attempt), "Client-IP": client})
    with urllib.request.urlopen(req, timeout=30) as r:
        return {k: r.headers.get(k) for k in ("Auth-Status", "Auth-Server", "Auth-Port", "Auth-Wait",
                                              "Auth-Error-Code")}


class NginxAuth(unittest.TestCase):
    def test_escaped_passwords_access_file_and_error_codes(self):
        access = os.path.join(os.environ.get("TMPDIR", "/tmp"), "maildex-auth-access-%d" % os.getpid())
        with open(access, "w") as f:
            f.write("192.0.2.66\tdeny\n")
        try:
            with MaildexServer(users=USERS, settings={"IMAPACCESSFILE": access}) as srv:
                for user, password in USERS.items():
                    answer = auth(srv, user, password, client="192.0.2.%d" % (10 + len(user)))
                    self.assertEqual(answer["Auth-Status"], "OK", (user, password, answer))
                    self.assertEqual(answer["Auth-Server"], "127.0.0.1")
                    self.assertEqual(answer["Auth-Port"], str(srv.port))
                    self.assertIsNone(answer["Auth-Error-Code"])
                # What nginx would send is what the user typed, decoded once: the escaped
                # text itself is not the password.
                answer = auth(srv, "dave", nginx_escape(USERS["dave"]), client="192.0.2.30")
                self.assertEqual(answer["Auth-Status"], "Invalid login or password")
                self.assertEqual(answer["Auth-Error-Code"], "535 5.7.8")
                self.assertEqual(answer["Auth-Wait"], "0")
                # And the password given at /auth logs in over IMAP too (the same check).
                c = LineClient(srv.port)
                c.line()
                self.assertTrue(c.command("l1", 'LOGIN bob "a+b c"')[-1].startswith("l1 OK"))
                c.close()
                # Client-IP is the client's address for IMAPACCESSFILE: refused, not checked.
                answer = auth(srv, "erin", USERS["erin"], client="192.0.2.66")
                self.assertEqual(answer["Auth-Status"], "Access denied from your address")
                self.assertEqual(answer["Auth-Error-Code"], "550 5.7.1")
                self.assertIsNone(answer["Auth-Wait"])
                self.assertIn("auth_http: refused 192.0.2.66: IMAPACCESSFILE denies 192.0.2.66",
                              srv.read_log())
                # A bad escape nginx would never send: refused without a check.
                answer = auth(srv, "erin", "50%", client="192.0.2.31", escape=False)
                self.assertEqual(answer["Auth-Status"], "Invalid login or password")
                self.assertEqual(answer["Auth-Wait"], "1")
                # Pacing by Client-IP: the second failure from one client waits a second
                # (Auth-Wait), another client's first does not.
                self.assertEqual(auth(srv, "alice", "wrong", client="192.0.2.40")["Auth-Wait"], "0")
                answer = auth(srv, "bob", "wrong", client="192.0.2.40")
                self.assertEqual(answer["Auth-Wait"], "1")
                self.assertEqual(answer["Auth-Error-Code"], "535 5.7.8")
                self.assertEqual(auth(srv, "carol", "wrong", client="192.0.2.41")["Auth-Wait"], "0")
                self.assertIn("auth_http: login failed for carol from 192.0.2.41", srv.read_log())
                self.assertNotIn("wrong", srv.read_log().replace("login failed", ""))
        finally:
            os.remove(access)

    def test_backend_named_by_setting(self):
        with MaildexServer(users=USERS, settings={"MAILDEX_PROXY_BACKEND": "192.0.2.7:1143"}) as srv:
            answer = auth(srv, "erin", USERS["erin"])
            self.assertEqual((answer["Auth-Status"], answer["Auth-Server"], answer["Auth-Port"]),
                             ("OK", "192.0.2.7", "1143"))
        with MaildexServer(users=USERS, settings={"MAILDEX_PROXY_BACKEND": "[2001:db8::7]:143"}) as srv:
            answer = auth(srv, "erin", USERS["erin"])
            self.assertEqual((answer["Auth-Server"], answer["Auth-Port"]), ("2001:db8::7", "143"))


if __name__ == "__main__":
    unittest.main()
