#!/usr/bin/env python3
"""check_ecs.py - check scandetd's JsonFormat ecs documents.

    check_ecs.py ECS.jsonl [--default DEFAULT.jsonl] [--text TEXT]
    check_ecs.py --batch DIR   (every DIR/NAME.ecs [NAME.default] [NAME.text])

Every document of ECS.jsonl (one per line) is checked against the ECS
field reference (data/fields-9.4.0.csv) and the allowed values of the
categorization fields (data/allowed-values.txt):

  - every field outside "scandetd" is an ECS field, of its ECS type, an
    array exactly where ECS normalizes to an array;
  - event.kind, event.category and event.type take allowed values, each
    event.type one that ECS expects with one of the event's categories;
  - the fields each kind of event must have are there (and those it must
    not have are not), the MITRE ATT&CK technique is the one for its kind.

With --default, the default-format events of the same capture: as many,
in the same order, the same times, addresses, ports and protocol, and
"scandetd" holding exactly the default format's other members
("severity" is event.severity, "sensor" observer.hostname).  With
--text, the log lines of the same capture (scandetd -r: each begins with
its packet time): each one "@timestamp message".

Prints one line per fault ("line N: what") and, last, "documents: N"
and the number of each event.action (--batch: one line per NAME, "NAME
ok documents: ..." or "NAME FAIL ..."); exits 1 if there was any fault.
Standard library only.
"""
import argparse
import collections
import csv
import datetime
import ipaddress
import json
import os
import re
import sys

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")

STRING_TYPES = {"keyword", "constant_keyword", "wildcard",
                "match_only_text", "text"}
INT_BITS = {"long": 64, "integer": 32, "short": 16, "byte": 8}
FLOAT_TYPES = {"float", "double", "half_float", "scaled_float"}
DATE_RE = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d{1,9})?"
                     r"(Z|[+-]\d{2}:\d{2})$")

# The ATT&CK technique and tactic each kind of alert names (man page
# scandetd.conf(5), src/alert_ecs.c).
ATTACK = {
    "portscan": ("T1046", "TA0007"),
    "distributed": ("T1046", "TA0007"),
    "sweep": ("T1046", "TA0007"),
    "flood": ("T1499", "TA0040"),
    "osprobe": ("T1592", "TA0043"),
}
# Host discovery (ICMP, ARP and neighbour-discovery sweeps) is T1018.
HOST_DISCOVERY = ("T1018", "TA0007")
HOST_SCAN_TYPES = {"echo", "timestamp", "address-mask", "ARP",
                   "neighbour-solicitation"}

COMMON = ["@timestamp", "ecs.version", "event.kind", "event.category",
          "event.type", "event.action", "event.module", "event.dataset",
          "observer.product", "observer.vendor", "observer.type",
          "observer.hostname", "rule.name", "message"]
NETWORK = ["source.ip", "network.type", "related.ip"]

# What documents are checked against: the ECS fields (name: (type,
# array)), the names with fields below them, the allowed values and the
# event types expected with each category.
Reference = collections.namedtuple("Reference",
                                   "fields below allowed expected")

# The default format's members that ECS fields carry; all others go
# under "scandetd".
MAPPED = {"event", "ts", "proto", "src", "dst", "sport", "dport",
          "interface", "severity", "sensor"}


def load_fields(path):
    fields = {}
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            fields[row["Field"]] = (row["Type"],
                                    "array" in row["Normalization"])
    return fields


def load_allowed(path):
    allowed, expected = {}, {}
    with open(path) as f:
        for line in f:
            words = line.split()
            if not words or words[0].startswith("#"):
                continue
            if words[0] == "expected":
                expected[words[1]] = set(words[2:])
            else:
                allowed[words[0]] = set(words[1:])
    return allowed, expected


def parents(fields):
    """Every dotted name that has ECS fields below it."""
    out = set()
    for name in fields:
        parts = name.split(".")
        out.update(".".join(parts[:i]) for i in range(1, len(parts)))
    return out


def flatten(doc, fields, below, prefix=""):
    """(dotted name, value) of every leaf.  An object is gone into when
    ECS defines fields below it (observer.ingress), else it is a leaf of
    its own (labels, an object of any keys; an unknown name)."""
    for key, value in doc.items():
        name = prefix + key
        if isinstance(value, dict) and value and \
                (name in below or name not in fields):
            yield from flatten(value, fields, below, name + ".")
        else:
            yield name, value


def is_int(v, bits):
    return (isinstance(v, int) and not isinstance(v, bool)
            and -(1 << (bits - 1)) <= v < (1 << (bits - 1)))


def is_date(v):
    m = isinstance(v, str) and DATE_RE.match(v)
    if not m:
        return False
    try:
        datetime.datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        return False
    return True


def is_ip(v):
    try:
        ipaddress.ip_address(v)
    except (ValueError, TypeError):
        return False
    return isinstance(v, str)


def scalar_ok(ftype, v):
    if ftype in STRING_TYPES:
        return isinstance(v, str)
    if ftype == "ip":
        return is_ip(v)
    if ftype in INT_BITS:
        return is_int(v, INT_BITS[ftype])
    if ftype in FLOAT_TYPES:
        return isinstance(v, (int, float)) and not isinstance(v, bool)
    if ftype == "date":
        return is_date(v)
    if ftype == "boolean":
        return isinstance(v, bool)
    if ftype in ("object", "flattened"):
        return isinstance(v, dict)
    if ftype == "nested":
        return isinstance(v, dict)
    if ftype == "geo_point":
        return isinstance(v, dict) and set(v) == {"lat", "lon"}
    return False


def check_field(name, value, fields):
    """The faults of one field outside "scandetd"."""
    if name not in fields:
        return ["%s is not an ECS field" % name]
    ftype, array = fields[name]
    if array or ftype == "nested":
        if not isinstance(value, list) or not value:
            return ["%s must be a non-empty array (ECS: %s array)"
                    % (name, ftype)]
        bad = [v for v in value if not scalar_ok(ftype, v)]
    else:
        if isinstance(value, list):
            return ["%s is an array; ECS has a single %s" % (name, ftype)]
        bad = [] if scalar_ok(ftype, value) else [value]
    return ["%s = %s is not of ECS type %s" % (name, json.dumps(v), ftype)
            for v in bad]


def as_list(v):
    return v if isinstance(v, list) else [] if v is None else [v]


def check_categories(flat, allowed, expected):
    faults = []
    for field in ("event.kind", "event.category", "event.type"):
        for v in as_list(flat.get(field)):
            if not isinstance(v, str) or v not in allowed[field]:
                faults.append("%s %s is not an ECS allowed value"
                              % (field, json.dumps(v)))
    cats = as_list(flat.get("event.category"))
    for t in as_list(flat.get("event.type")):
        if not any(t in expected.get(c, ()) for c in cats
                   if isinstance(c, str)):
            faults.append("event.type %s is not expected with event.category"
                          " %s" % (t, cats))
    return faults


def has_ports(flat):
    return flat.get("network.transport") in ("tcp", "udp", "sctp")


def without_transport(flat):
    """An ARP sweep (network.protocol arp) or an IP protocol scan."""
    return (flat.get("network.protocol") == "arp" or
            flat.get("scandetd.scan_type") == "protocol")


def required(action, flat):
    """(fields it must have, field prefixes it must not have)."""
    need, never = list(COMMON), []
    scan = flat.get("scandetd.kind") if action == "scan_end" else action
    if action == "suppressed":
        never += ["source.", "destination.", "network.", "related.",
                  "threat."]
    else:
        need += NETWORK
        if without_transport(flat):
            never.append("network.transport")
        else:
            need.append("network.transport")
    if action in ("connection", "portscan", "sweep", "flood", "scan_end",
                  "osprobe", "distributed"):
        need.append("destination.ip")
    if action != "suppressed":
        need.append("event.severity")
    if action == "connection":
        need += ["source.port", "destination.port"]
        never.append("threat.")
    elif scan in ("sweep", "flood") and has_ports(flat):
        need.append("destination.port")
    elif action != "suppressed":
        never += ["source.port", "destination.port"]
    if scan in ATTACK:
        need += ["threat.framework", "threat.technique.id",
                 "threat.technique.name", "threat.technique.reference",
                 "threat.tactic.id", "threat.tactic.name",
                 "threat.tactic.reference"]
    return need, never, scan


def check_kind(flat, kinds):
    action = flat.get("event.action")
    faults = []
    need, never, scan = required(action, flat)
    faults += ["%s is missing (event.action %s)" % (f, action)
               for f in need if f not in flat]
    faults += ["%s must not be there (event.action %s)" % (f, action)
               for f in flat for p in never if f.startswith(p)]
    want = "event" if action in ("connection", "suppressed") else "alert"
    # a value ECS does not allow is said once, by check_categories
    if flat.get("event.kind") != want and flat.get("event.kind") in kinds:
        faults.append("event.kind %s for %s, expected %s"
                      % (flat.get("event.kind"), action, want))
    if scan == "sweep" and flat.get("scandetd.scan_type") in HOST_SCAN_TYPES:
        faults += check_threat(flat, *HOST_DISCOVERY)
    elif scan in ATTACK:
        faults += check_threat(flat, *ATTACK[scan])
    return faults


def check_threat(flat, technique, tactic):
    faults = []
    if flat.get("threat.framework") != "MITRE ATT&CK":
        faults.append("threat.framework is not MITRE ATT&CK")
    for what, ident, url in (("technique", technique, "techniques"),
                             ("tactic", tactic, "tactics")):
        ids = flat.get("threat.%s.id" % what)
        refs = flat.get("threat.%s.reference" % what)
        names = flat.get("threat.%s.name" % what)
        if ids != [ident]:
            faults.append("threat.%s.id %s, expected [%s]"
                          % (what, ids, ident))
        if refs != ["https://attack.mitre.org/%s/%s/" % (url, ident)]:
            faults.append("threat.%s.reference %s does not name %s"
                          % (what, refs, ident))
        if not isinstance(names, list) or len(names) != 1:
            faults.append("threat.%s.name %s is not one name"
                          % (what, names))
    return faults


def check_document(doc, ref):
    if not isinstance(doc, dict):
        return ["not a JSON object"], {}
    flat = dict(flatten(doc, ref.fields, ref.below))
    faults = []
    for name, value in flat.items():
        if name.startswith("scandetd.") or name == "scandetd":
            continue
        faults += check_field(name, value, ref.fields)
    faults += check_categories(flat, ref.allowed, ref.expected)
    faults += check_kind(flat, ref.allowed["event.kind"])
    return faults, flat


def transport(proto, src):
    """network.transport for the default format's proto (None: none)."""
    if proto in ("arp", "ip"):
        return None
    if proto not in ("icmp", "icmpv6"):
        return proto
    return "icmp" if ipaddress.ip_address(src).version == 4 else "ipv6-icmp"


def compare(doc, flat, d):
    """Faults of an ECS document against the default-format event d."""
    pairs = [("event.action", d.get("event")), ("@timestamp", d.get("ts")),
             ("source.ip", d.get("src")), ("destination.ip", d.get("dst")),
             ("source.port", d.get("sport")),
             ("destination.port", d.get("dport", d.get("port"))),
             ("observer.ingress.interface.name", d.get("interface")),
             ("event.severity", d.get("severity"))]
    if "sensor" in d:
        pairs.append(("observer.hostname", d["sensor"]))
    faults = ["%s %s, default format says %s" % (f, json.dumps(flat.get(f)),
                                                 json.dumps(v))
              for f, v in pairs if flat.get(f) != v]
    if "src" in d:
        ips = [d["src"]] + ([d["dst"]] if d.get("dst", d["src"]) !=
                            d["src"] else [])
        want = {"network.transport": transport(d["proto"], d["src"]),
                "network.type": "ipv%d" % ipaddress.ip_address(
                    d["src"]).version,
                "related.ip": ips}
        faults += ["%s %s, expected %s" % (f, flat.get(f), v)
                   for f, v in want.items() if flat.get(f) != v]
    rest = {k: v for k, v in d.items() if k not in MAPPED}
    if doc.get("scandetd", {}) != rest:
        faults.append("scandetd %s is not the default format's %s"
                      % (json.dumps(doc.get("scandetd")), json.dumps(rest)))
    return faults


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [line for line in f.read().split("\n") if line]


def check_file(path, default, text, ref, untimed=False):
    """(faults, Counter of event.action) of one file of ECS documents.
    The log lines of text begin with the packet time (scandetd -r), or
    with untimed are the lines alone (live, -F)."""
    lines = read_jsonl(path)
    defaults = [json.loads(x) for x in read_jsonl(default)] \
        if default else None
    texts = read_jsonl(text) if text else None
    faults = []
    actions = collections.Counter()
    for other, name in ((defaults, "default-format events"),
                        (texts, "log lines")):
        if other is not None and len(other) != len(lines):
            faults.append("%d ECS documents, %d %s"
                          % (len(lines), len(other), name))
    for i, line in enumerate(lines):
        try:
            doc = json.loads(line)
        except ValueError as e:
            faults.append("line %d: not JSON: %s" % (i + 1, e))
            continue
        f, flat = check_document(doc, ref)
        if defaults is not None and i < len(defaults):
            f += compare(doc, flat, defaults[i])
        shown = doc.get("message") if untimed else \
            "%s %s" % (doc.get("@timestamp"), doc.get("message"))
        if texts is not None and i < len(texts) and shown != texts[i]:
            f.append("@timestamp and message %s %s are not the log line %s"
                     % (doc.get("@timestamp"), json.dumps(doc.get("message")),
                        json.dumps(texts[i])))
        faults += ["line %d: %s" % (i + 1, x) for x in f]
        actions[flat.get("event.action")] += 1
    return faults, actions


def summary(actions):
    return "documents: %d %s" % (sum(actions.values()), " ".join(
        "%s=%d" % kv for kv in sorted(actions.items(), key=str)))


def batch(directory, ref):
    """Every NAME.ecs in directory, with NAME.default and NAME.text if
    there: one line each, "NAME ok documents: ..." or "NAME FAIL N
    faults: fault; ..."."""
    bad = 0
    for name in sorted(os.listdir(directory)):
        if not name.endswith(".ecs"):
            continue
        base = os.path.join(directory, name[:-4])
        faults, actions = check_file(
            base + ".ecs", *[base + ext if os.path.exists(base + ext)
                             else None for ext in (".default", ".text")],
            ref)
        if faults:
            bad += 1
            print("%s FAIL %d faults: %s" % (name[:-4], len(faults),
                                             "; ".join(faults[:10])))
        else:
            print("%s ok %s" % (name[:-4], summary(actions)))
    return 1 if bad else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ecs", help="a file of documents, or with --batch a "
                    "directory")
    ap.add_argument("--batch", action="store_true")
    ap.add_argument("--default")
    ap.add_argument("--text")
    ap.add_argument("--untimed", action="store_true",
                    help="the --text lines carry no packet time (live)")
    ap.add_argument("--fields", default=os.path.join(DATA,
                                                     "fields-9.4.0.csv"))
    ap.add_argument("--allowed", default=os.path.join(DATA,
                                                      "allowed-values.txt"))
    args = ap.parse_args()
    fields = load_fields(args.fields)
    ref = Reference(fields, parents(fields), *load_allowed(args.allowed))
    if args.batch:
        return batch(args.ecs, ref)
    faults, actions = check_file(args.ecs, args.default, args.text, ref,
                                 args.untimed)
    for x in faults[:50]:
        print(x)
    if len(faults) > 50:
        print("... %d faults in all" % len(faults))
    print(summary(actions))
    return 1 if faults else 0


if __name__ == "__main__":
    sys.exit(main())
