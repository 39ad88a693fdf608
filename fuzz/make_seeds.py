#!/usr/bin/env python3
"""Writes the seed inputs of the fuzz targets that the bundled data cannot
seed as it is (fuzz/corpus/<target>/seed-*). Run from anywhere; rerun when
the bundled data changes much. The rule, world and observations targets
also read rules/, examples/worlds/ and examples/observations/ directly
(fuzz/targets.txt).

  client_error     every paste of test/data/client_error_corpus.json, every
                   text of test/data/client_error_cases.json, and every
                   message phrase of rules/client_messages.json
  client_patterns  each bundled code table's patterns and phrases, with a
                   text they match
  observations     every case of test/data/catalog_cases.json written as an
                   observations file
  rules            the self-contained rule documents of the C++ tests
  rules_bundled    the custom rule files of the CLI test (test/cli)
  world            the smallest worlds of the world spec
  x224             Connection Confirms a server sends, and things that are not
  report_json      fixed pseudo-random bytes (the target builds a Report)
"""
import glob
import hashlib
import json
import os
import random
import re
import struct

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load(rel):
    with open(os.path.join(ROOT, rel), encoding="utf-8") as f:
        return json.load(f)


def write(target, name, data):
    out = os.path.join(ROOT, "fuzz", "corpus", target)
    os.makedirs(out, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(os.path.join(out, "seed-" + name), "wb") as f:
        f.write(data)


def clean(target):
    for path in glob.glob(os.path.join(ROOT, "fuzz", "corpus", target, "seed-*")):
        os.remove(path)


def client_error():
    clean("client_error")
    for case in load("test/data/client_error_corpus.json")["cases"]:
        write("client_error", "corpus-" + case["id"], case["paste"])
    for i, case in enumerate(load("test/data/client_error_cases.json")["cases"]):
        write("client_error", "case-%03d" % i, case[0])
    for message in load("rules/client_messages.json").get("client_messages", []):
        for j, phrase in enumerate(message["phrases"]):
            write("client_error", "message-%s-%d" % (message["id"], j), phrase)


def client_patterns():
    clean("client_patterns")
    texts = [c["paste"] for c in load("test/data/client_error_corpus.json")["cases"]]
    n = 0
    for path in sorted(glob.glob(os.path.join(ROOT, "rules", "client_*.json"))):
        doc = load(os.path.relpath(path, ROOT))
        for table in doc.get("client_codes", []):
            lines = []
            for p in table.get("patterns", []):
                if isinstance(p, dict):
                    tag = "x:" if p.get("radix") == 16 else "l:" if p.get("last_wins") else ""
                    lines.append(tag + p["regex"])
                else:
                    lines.append(p)
            codes = " ".join(c.get("name", "") or str(c["code"]) for c in table["codes"][:8])
            text = texts[n % len(texts)] + "\n" + codes
            write("client_patterns", "table-" + table["id"], "\n".join(lines) + "\0" + text)
            n += 1
        for message in doc.get("client_messages", []):
            tag = "u:" if message.get("underlying") else "m:"
            lines = [tag + p for p in message["phrases"]]
            write("client_patterns", "message-" + message["id"],
                  "\n".join(lines) + "\0" + message["phrases"][0].replace("*", "the vm"))
    write("client_patterns", "readme-example",
          "gw-err-(?P<code>\\d+)\nl:last error (?P<code>\\w+)\nx:\\b0x0002(?P<code>[0-9a-f]{4})\\b\n"
          "m:acme vpn is * disconnected\0GW-ERR-4041 at 10:02\nACME VPN is currently disconnected\n"
          "last error E_BACKEND 0x00020007")


def observations():
    clean("observations")
    for i, case in enumerate(load("test/data/catalog_cases.json")["cases"]):
        doc = {"schema": "rdptriage.observations/1", "symptom": case["symptom"],
               "context": {"resource_group": "prod-rg", "vm": "web01"},
               "results": case["results"]}
        write("observations", "catalog-%03d-%s.json" % (i, case["cause"]), json.dumps(doc, indent=1))


def rules():
    clean("rules")
    raw = re.compile(r'R"\((\{.*?\})\)"', re.S)
    for path in sorted(glob.glob(os.path.join(ROOT, "test", "*", "*.cc"))):
        with open(path, encoding="utf-8") as f:
            source = f.read()
        for text in raw.findall(source):
            if '"rules"' not in text and '"probes"' not in text and '"client_codes"' not in text:
                continue
            try:
                json.loads(text)
            except ValueError:
                continue
            digest = hashlib.sha1(text.encode()).hexdigest()[:10]
            write("rules", "%s-%s.json" % (os.path.basename(path)[:-3], digest), text)


def rules_bundled():
    clean("rules_bundled")
    with open(os.path.join(ROOT, "test", "cli", "cli_test.sh"), encoding="utf-8") as f:
        script = f.read()
    for name, text in re.findall(r'cat >"\$tmp/([\w.]+)" <<\'JSON\'\n(.*?)\nJSON\n', script, re.S):
        write("rules_bundled", "cli-" + name, text + "\n")


def world():
    clean("world")
    write("world", "spec-termservice.json",
          '{"schema": "rdptriage.world/1", "vm": {"guest": {"termservice": "stopped"}}}')
    write("world", "empty.json", '{"schema": "rdptriage.world/1"}')


def tpkt_confirm(neg=None, li=None):
    body = bytes([0xD0, 0, 0, 0x12, 0x34, 0])  # CC, dst-ref, src-ref, class
    if neg is not None:
        body += neg
    li = len(body) if li is None else li
    x224 = bytes([li]) + body
    return bytes([3, 0]) + struct.pack(">H", 4 + len(x224)) + x224


def x224():
    clean("x224")
    for name, proto in [("rdp", 0), ("ssl", 1), ("hybrid", 2), ("rdstls", 4), ("hybrid_ex", 8)]:
        write("x224", "response-" + name, tpkt_confirm(struct.pack("<BBHI", 2, 0x1F, 8, proto)))
    for code in range(1, 7):
        write("x224", "failure-%d" % code, tpkt_confirm(struct.pack("<BBHI", 3, 0, 8, code)))
    write("x224", "no-negotiation", tpkt_confirm())
    write("x224", "truncated", tpkt_confirm(struct.pack("<BBHI", 2, 0, 8, 2))[:13])
    write("x224", "bad-neg-length", tpkt_confirm(struct.pack("<BBHI", 2, 0, 9, 2)))
    write("x224", "http", b"HTTP/1.1 400 Bad Request\r\n\r\n")
    write("x224", "ssh", b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n")
    write("x224", "tls-alert", bytes([0x15, 3, 1, 0, 2, 2, 40]))
    write("x224", "huge-tpkt", bytes([3, 0, 0xFF, 0xFF]) + bytes(60))


def report_json():
    clean("report_json")
    rng = random.Random(14)
    for i in range(16):
        write("report_json", "random-%02d" % i, bytes(rng.randrange(256) for _ in range(64 + 64 * i)))


if __name__ == "__main__":
    client_error()
    client_patterns()
    observations()
    rules()
    rules_bundled()
    world()
    x224()
    report_json()
