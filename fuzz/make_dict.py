#!/usr/bin/env python3
"""Writes a fuzz target's libFuzzer dictionary: the static tokens in
fuzz/dict/ plus what the bundled data says now (field names, ids, enum
values, code names and phrases), so the dictionary follows the rules.

  fuzz/make_dict.py TARGET OUT.dict
"""
import glob
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MAX_TOKEN = 64  # libFuzzer's longest dictionary entry


def files(pattern):
    return sorted(glob.glob(os.path.join(ROOT, pattern)))


def walk(value, keys, strings):
    if isinstance(value, dict):
        for k, v in value.items():
            keys.add(k)
            walk(v, keys, strings)
    elif isinstance(value, list):
        for v in value:
            walk(v, keys, strings)
    elif isinstance(value, str):
        strings.add(value)


def tokens_of(patterns, quoted=True):
    keys, strings = set(), set()
    for path in patterns:
        for f in files(path):
            try:
                with open(f, encoding="utf-8") as fh:
                    walk(json.load(fh), keys, strings)
            except ValueError:
                pass
    out = set()
    for k in keys:
        out.add('"%s":' % k if quoted else k)
    for s in strings:
        if 0 < len(s.encode()) <= MAX_TOKEN - 2:
            out.add('"%s"' % s if quoted else s)
    return out


def client_tokens():
    """Code names, aliases, codes and phrases of the bundled client tables."""
    out = set()
    for f in files("rules/client_*.json") + files("rules/symptoms.json"):
        with open(f, encoding="utf-8") as fh:
            doc = json.load(fh)
        for table in doc.get("client_codes", []):
            for code in table["codes"]:
                out.add(str(code["code"]))
                for name in [code.get("name", "")] + code.get("aliases", []):
                    if name:
                        out.add(name)
        for message in doc.get("client_messages", []):
            out.update(message["phrases"])
        for symptom in doc.get("symptoms", []):
            out.update(symptom.get("messages", []))
    return {t.replace("*", "").strip() for t in out if 0 < len(t.encode()) <= MAX_TOKEN}


def escape(token):
    out = []
    for b in token.encode("utf-8"):
        c = chr(b)
        if c in '"\\':
            out.append("\\" + c)
        elif 0x20 <= b < 0x7F:
            out.append(c)
        else:
            out.append("\\x%02x" % b)
    return '"' + "".join(out) + '"'


def static(name):
    path = os.path.join(ROOT, "fuzz", "dict", name + ".dict")
    with open(path, encoding="utf-8") as fh:
        return [line.rstrip("\n") for line in fh if line.strip() and not line.startswith("#")]


TARGETS = {
    "rules": (["json"], lambda: tokens_of(["rules/*.json", "fuzz/corpus/rules/*"])),
    "rules_bundled": (["json"], lambda: tokens_of(["rules/*.json"])),
    "observations": (["json"], lambda: tokens_of(["examples/observations/*.json", "rules/probes.json",
                                                  "rules/live_probes.json", "rules/symptoms.json"])),
    "world": (["json"], lambda: tokens_of(["examples/worlds/*.json"])),
    "client_error": ([], client_tokens),
    "client_patterns": (["client_patterns"], client_tokens),
    "x224": (["x224"], set),
    "report_json": ([], set),
}


def main():
    target, out_path = sys.argv[1], sys.argv[2]
    statics, dynamic = TARGETS[target]
    lines = []
    for name in statics:
        lines += static(name)
    lines += [escape(t) for t in sorted(dynamic())]
    lines = list(dict.fromkeys(lines))[:16000]  # libFuzzer keeps at most 16384
    with open(out_path, "w", encoding="ascii") as fh:
        fh.write("\n".join(lines) + "\n")
    print("%s: %d dictionary entries" % (target, len(lines)))


if __name__ == "__main__":
    main()
