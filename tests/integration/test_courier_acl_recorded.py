"""The recorded Courier ACL answers (tests/fixtures/courier-acl/courier-5.0.13.json) are
what the real Courier imapd says: a set of the cases is run again against Debian's
courier-imap (unpacked by scripts/fetch-courier-imap into the build tree) and must give
the same answers and leave the same ACL files and flags. This keeps the data set honest
and the recorder working, so the same recorder can later drive maildexd for the
differential test. COURIER_ACL_ALL=1 re-runs every case (about 100 s).

Needs Debian's package mirror the first time (to download courier-imap); if it cannot
get Courier it fails, saying why, rather than skipping."""

import json
import os
import subprocess
import unittest

from courier_acl_cases import CASES
from courier_acl_recorder import compare, courier_server, essentials, run_case
from maildex_testlib import MAILDEXD, REPO

BUILD = os.path.dirname(os.path.dirname(os.path.abspath(MAILDEXD)))
COURIER = os.path.join(BUILD, "courier-imap")
RECORDED = os.path.join(REPO, "tests/fixtures/courier-acl/courier-5.0.13.json")

# A cross-section: wire forms and inheritance, SETACL parsing, the owner's protected
# rights, rights enforcement (read-only, no t, no e), another account through #shared.
QUICK = ["defaults", "inheritance", "setacl_rights", "setacl_owner_admin", "effect_read_only",
         "effect_without_t", "effect_without_e", "shared_Read", "shared_hostile",
         "shared_revoke_while_selected"]


def first_difference(want, got, path="case"):
    """A readable path to the first place two recorded structures differ, or None."""
    if type(want) is not type(got):
        return "%s: %r != %r" % (path, want, got)
    if isinstance(want, dict):
        for k in sorted(set(want) | set(got), key=str):
            if k not in want or k not in got:
                return "%s.%s: only in %s" % (path, k, "recording" if k in want else "run")
            d = first_difference(want[k], got[k], "%s.%s" % (path, k))
            if d:
                return d
        return None
    if isinstance(want, list):
        for i, (a, b) in enumerate(zip(want, got)):
            d = first_difference(a, b, "%s[%d]" % (path, i))
            if d:
                return d
        if len(want) != len(got):
            return "%s: %d items recorded, %d now" % (path, len(want), len(got))
        return None
    return None if want == got else "%s: recorded %r, now %r" % (path, want, got)


def timing_free(result):
    """The updates an IDLE receives arrive in an order that depends on timing: sorted."""
    result = json.loads(json.dumps(result))
    for a in result["answers"]:
        if isinstance(a["c"], dict) and "idle_during" in a["c"]:
            a["r"] = sorted(a["r"])
            a.pop("flags", None)
            a.pop("acl_files", None)
    return result


class CourierAclRecorded(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        p = subprocess.run(["bash", os.path.join(REPO, "scripts", "fetch-courier-imap"),
                            COURIER], capture_output=True, text=True, timeout=600)
        if p.returncode != 0 or not os.access(os.path.join(COURIER, "usr/bin/imapd"), os.X_OK):
            raise AssertionError("cannot get Courier's imapd (scripts/fetch-courier-imap %s "
                                 "failed):\n%s%s" % (COURIER, p.stdout, p.stderr))
        with open(RECORDED) as fh:
            cls.recorded = json.load(fh)
        cls.start = staticmethod(courier_server(COURIER))

    def test_every_case_is_recorded(self):
        self.assertEqual(sorted(c["name"] for c in CASES), sorted(self.recorded["cases"]))

    def test_courier_still_answers_as_recorded(self):
        names = [c["name"] for c in CASES] if os.environ.get("COURIER_ACL_ALL") else QUICK
        for case in CASES:
            if case["name"] not in names:
                continue
            with self.subTest(case=case["name"]):
                got = timing_free(run_case(case, self.start))
                diff = first_difference(timing_free(self.recorded["cases"][case["name"]]),
                                        got, case["name"])
                self.assertIsNone(diff, diff)

    def test_first_difference_finds_a_changed_answer(self):
        # The comparison itself must be able to fail.
        want = self.recorded["cases"]["defaults"]
        got = json.loads(json.dumps(want))
        got["answers"][3]["r"][0] = got["answers"][3]["r"][0].replace("acdilrsw", "alr")
        self.assertIn("answers[3].r[0]", first_difference(want, got) or "")

    def test_essentials_keep_what_acls_decide(self):
        # The differential comparison drops prose but must see rights and outcomes.
        case = self.recorded["cases"]["effect_read_only"]
        select = next(a for a in case["answers"] if a["c"] == "SELECT INBOX.No")
        self.assertIn('* OK [MYRIGHTS "alr"]', essentials(select))
        self.assertEqual(essentials(select)[-1], "OK [READ-ONLY]")
        other = json.loads(json.dumps(case))
        for a in other["answers"]:
            if a["c"] == "SELECT INBOX.No":
                a["r"] = [x.replace("READ-ONLY] Ok", "READ-WRITE] Selected") for x in a["r"]]
        agree, n, first, files = compare(case, other)
        self.assertEqual(first["c"], "SELECT INBOX.No")
        self.assertEqual(n - agree, 1)
        self.assertTrue(files)


if __name__ == "__main__":
    unittest.main()
