"""A strict reader of the Prometheus text exposition format (version 0.0.4), for the
tests of the admin endpoint's /metrics. It checks what `promtool check metrics` checks
that matters here: every line parses, a family's HELP and TYPE come before its samples
and once, sample names belong to their family by its type (_bucket/_sum/_count for a
histogram), label values are escaped, no series appears twice, counters end in _total,
histograms have a +Inf bucket equal to their _count. promtool (Debian's prometheus
package: 19 MB, 96 MB installed, and a Prometheus server started at install) is not
installed by scripts/setup; the tests run it as well when it is on PATH."""

import math
import re

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"'
SAMPLE = re.compile(r"^(%s)(\{(?:%s(?:,%s)*,?)?\})? (\S+)(?: (-?\d+))?$" % (NAME, LABEL, LABEL))
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}


class FormatError(AssertionError):
    pass


def parse(text):
    """{family: {"type", "help", "samples": [(name, {labels}, value)]}}; raises FormatError."""
    families = {}
    seen_series = set()
    current = None
    if text and not text.endswith("\n"):
        raise FormatError("the text does not end with a line feed")
    for number, line in enumerate(text.split("\n")[:-1], 1):
        where = "line %d: %r" % (number, line)
        if not line.strip():
            continue
        if line.startswith("#"):
            parts = line.split(" ", 3)
            if len(parts) >= 3 and parts[1] in ("HELP", "TYPE"):
                name = parts[2]
                if not re.fullmatch(NAME, name):
                    raise FormatError("bad metric name, " + where)
                fam = families.setdefault(name, {"type": None, "help": None, "samples": []})
                key = parts[1].lower()
                if fam[key] is not None:
                    raise FormatError("second %s for %s, %s" % (parts[1], name, where))
                if fam["samples"]:
                    raise FormatError("%s after the samples of %s, %s" % (parts[1], name, where))
                value = parts[3] if len(parts) > 3 else ""
                if key == "type" and value not in TYPES:
                    raise FormatError("unknown type, " + where)
                if key == "help" and not value:
                    raise FormatError("empty HELP, " + where)
                fam[key] = value
                current = name
            continue
        m = SAMPLE.match(line)
        if not m:
            raise FormatError("not a sample, " + where)
        name, labeltext, value = m.group(1), m.group(2) or "", m.group(7)
        labels = dict(re.findall(LABEL, labeltext))
        try:
            v = float(value)
        except ValueError:
            raise FormatError("bad value, " + where)
        family = None
        for candidate in (name, re.sub(r"_(bucket|sum|count)$", "", name)):
            if candidate in families:
                family = candidate
                break
        if family is None or family != current:
            raise FormatError("sample outside its family's HELP/TYPE block, " + where)
        fam = families[family]
        if fam["type"] is None:
            raise FormatError("sample before TYPE, " + where)
        if name != family and fam["type"] not in ("histogram", "summary"):
            raise FormatError("suffix on a %s, %s" % (fam["type"], where))
        if fam["type"] == "histogram" and name == family:
            raise FormatError("histogram sample without _bucket/_sum/_count, " + where)
        series = (name, tuple(sorted(labels.items())))
        if series in seen_series:
            raise FormatError("series twice, " + where)
        seen_series.add(series)
        if fam["type"] == "counter" and (v < 0 or math.isnan(v)):
            raise FormatError("negative counter, " + where)
        fam["samples"].append((name, labels, v))
    for name, fam in families.items():
        if fam["type"] is None or fam["help"] is None:
            raise FormatError("%s lacks HELP or TYPE" % name)
        if fam["type"] == "counter" and not name.endswith("_total"):
            raise FormatError("counter %s does not end in _total" % name)
        if fam["type"] == "histogram":
            check_histogram(name, fam["samples"])
    return families


def check_histogram(name, samples):
    groups = {}
    for sample, labels, v in samples:
        key = tuple(sorted((k, x) for k, x in labels.items() if k != "le"))
        groups.setdefault(key, {"buckets": [], "count": None})
        if sample.endswith("_bucket"):
            if "le" not in labels:
                raise FormatError("%s bucket without le" % name)
            groups[key]["buckets"].append((float(labels["le"]), v))
        elif sample.endswith("_count"):
            groups[key]["count"] = v
    for key, g in groups.items():
        b = g["buckets"]
        if not b or b[-1][0] != math.inf:
            raise FormatError("%s%s has no +Inf bucket last" % (name, key))
        if any(b[i][1] > b[i + 1][1] or b[i][0] >= b[i + 1][0] for i in range(len(b) - 1)):
            raise FormatError("%s%s buckets not cumulative" % (name, key))
        if g["count"] != b[-1][1]:
            raise FormatError("%s%s _count differs from the +Inf bucket" % (name, key))


def value(families, name, **labels):
    """The value of one sample, or None."""
    for fam in families.values():
        for sample, l, v in fam["samples"]:
            if sample == name and all(l.get(k) == x for k, x in labels.items()):
                return v
    return None
