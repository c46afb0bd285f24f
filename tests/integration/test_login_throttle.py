"""Brute force through parallel connections (issue 15), against the real server over
TCP: attackers with many connections from one address, and from many addresses against
one user name, each giving up on an answer after 200 ms and reconnecting, learn at most a
few verdicts, whatever the parallelism and whether they wait for answers or not; a right password from an attacked address waits
as a wrong one does (so giving up tells nothing); logging in to one's own account from
the attacking address does not help; everyone else logs in at once; and a user who
mistyped once gets in within a second, with all of their client's connections.

scripts/bench-brute-force prints the same attack's figures per minute."""

import threading
import time
import unittest

from brute_force import legitimate_logins, run_attack, timed_login
from maildex_server import MaildexServer

USERS = {"alice": "alice-pw", "bob": "bob-pw", "carol": "carol-pw", "dave": "dave-pw",
         "mallory": "mallory-pw", "erin": "erin-pw"}
SECONDS = 25
# The pace gives 6 answers in the first 25 s (at 0, 1, 2, 4, 8 and 16 s) per address and
# per user name, 8 in the first minute; the bound is 20 a minute.
MOST = 8


class LoginThrottle(unittest.TestCase):
    def test_parallel_attackers_learn_few_verdicts_per_address_and_per_user(self):
        with MaildexServer(users=USERS, settings={"MAXPERIP": "100"}) as srv:
            stop = threading.Event()
            # The attacker logs in to its own account from the attacking address meanwhile.
            own = []
            own_thread = threading.Thread(target=legitimate_logins, daemon=True,
                                          args=(srv.port, "127.0.0.1", "mallory", USERS["mallory"],
                                                stop, own, 2.0))
            # Someone else, from elsewhere, logs in all along.
            others = []
            other_thread = threading.Thread(target=legitimate_logins, daemon=True,
                                            args=(srv.port, "127.0.0.40", "dave", USERS["dave"],
                                                  stop, others, 1.0))
            own_thread.start()
            other_thread.start()
            # Per address: 16 connections from one address against several user names,
            # each giving up after 200 ms (the attacker). Per user name: 16
            # connections from 8 addresses against carol, waiting for every answer.
            groups = ([("127.0.0.1", 16, ["alice", "bob", "nobody"])] +
                      [("127.0.0.%d" % i, 2, ["carol"], 40.0) for i in range(2, 10)])
            tally, start, end = run_attack(srv.port, groups, SECONDS)
            stop.set()
            own_thread.join(70)
            other_thread.join(70)

            per_address = tally.count(start, end, address="127.0.0.1")
            per_user = tally.count(start, end, user="carol")
            print("in %.0f s: %d verdicts for 127.0.0.1's 16 connections, %d for carol's 16 "
                  "connections on 8 addresses; %d attempts given up, %d refused unchecked; "
                  "the server checked %d passwords" %
                  (end - start, per_address, per_user, tally.gave_up, tally.refused,
                   srv.metric('maildex_logins_total{result="failed"}')))
            self.assertLessEqual(per_address, MOST)
            self.assertLessEqual(per_user, MOST)
            self.assertGreaterEqual(per_user, 3, "paced, not shut out")
            self.assertEqual(tally.successes, 0)
            # Giving up and trying again on a new connection gains nothing: the server
            # checked no more passwords than the two keys' turns (each attempt checked in
            # the 25 s is answered within 30 s more: 8 turns a key in 55 s), and the
            # answers the impatient gave up on told them nothing (a right password would
            # have waited as long).
            self.assertGreater(tally.gave_up, 50)
            self.assertLessEqual(srv.metric('maildex_logins_total{result="failed"}'), 2 * MOST)

            # Dave, elsewhere, was never slowed.
            self.assertTrue(others and all(t is not None and t < 5 for t in others), others)

            # The right password from the attacked address waits as a wrong one would, or
            # is refused unchecked: it is not told at once.
            took, line = timed_login(srv.port, "127.0.0.1", "alice", USERS["alice"], timeout=40)
            self.assertIsNotNone(line)
            self.assertTrue("[UNAVAILABLE]" in line or (line.startswith("t1 OK") and took > 5),
                            (took, line))
            # And the same for carol from a new address: her user name is paced too.
            took, line = timed_login(srv.port, "127.0.0.20", "carol", USERS["carol"], timeout=40)
            self.assertTrue("[UNAVAILABLE]" in line or (line.startswith("t1 OK") and took > 5),
                            (took, line))

            log = srv.read_log()
            self.assertIn("login refused for carol: too many failed logins", log)
            self.assertNotIn("-wrong-", log)  # passwords never reach the log

    def test_a_typo_costs_a_second_once(self):
        with MaildexServer(users=USERS) as srv:
            took, line = timed_login(srv.port, "127.0.0.50", "erin", "erin-typo")
            self.assertIn("[AUTHENTICATIONFAILED]", line)
            self.assertLess(took, 1)
            took, line = timed_login(srv.port, "127.0.0.50", "erin", USERS["erin"])
            self.assertTrue(line.startswith("t1 OK"), line)
            self.assertLess(took, 2.5)
            # Her client's other connections, at once, all prompt: the typo is forgiven.
            results = []

            def one():
                results.append(timed_login(srv.port, "127.0.0.50", "erin", USERS["erin"]))
            threads = [threading.Thread(target=one) for _ in range(5)]
            start = time.time()
            for t in threads:
                t.start()
            for t in threads:
                t.join(30)
            self.assertEqual(len(results), 5)
            for took, line in results:
                self.assertTrue(line.startswith("t1 OK"), line)
            self.assertLess(time.time() - start, 3)


    def test_logins_through_nginx_auth_http_are_paced_too(self):
        import urllib.request

        def auth(user, password, client, attempt=1):
            req = urllib.request.Request(
                "http://127.0.0.1:%d/auth" % srv.admin_port,
                headers={"Auth-Method": "plain", "Auth-User": user, "Auth-Pass": password,
                         "Auth-Protocol": "imap", "Auth-Login-Attempt": str(attempt),
                         "Client-IP": client})
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.headers.get("Auth-Status"), r.headers.get("Auth-Wait"), r.headers.get("Auth-Port")

        with MaildexServer(users=USERS) as srv:
            self.assertEqual(auth("alice", USERS["alice"], "192.0.2.1"), ("OK", None, str(srv.port)))
            # Wrong passwords from one client address, as fast as nginx can ask: the wait
            # nginx is to hold each answer grows, and past 30 s the answer is "later".
            answers = [auth("alice", "wrong-%d" % i, "192.0.2.7") for i in range(8)]
            self.assertEqual([a[1] for a in answers[:6]], ["0", "1", "2", "4", "8", "16"])
            self.assertTrue(all(a[0] == "Invalid login or password" for a in answers[:6]))
            self.assertTrue(all(a[0].startswith("Too many failed logins") for a in answers[6:]))
            # The right password from there is not told early either.
            status, wait, port = auth("alice", USERS["alice"], "192.0.2.7")
            self.assertNotEqual(status, "OK")
            self.assertGreaterEqual(int(wait), 1)
            # Nor, for a while, from anywhere (the user name is paced as well); another
            # user from another address is not slowed.
            self.assertNotEqual(auth("alice", USERS["alice"], "198.51.100.1")[0], "OK")
            self.assertEqual(auth("bob", USERS["bob"], "198.51.100.2")[0], "OK")
            # nginx's own limit on attempts in one session.
            self.assertEqual(auth("bob", USERS["bob"], "198.51.100.2", attempt=11),
                             ("Too many login attempts", None, None))


if __name__ == "__main__":
    unittest.main()
