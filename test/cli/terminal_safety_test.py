#!/usr/bin/env python3
"""No raw terminal control reaches a person through the CLI.

Feeds the CLI hostile text through every untrusted input it reads (a rule
file, a world, an observations file, a client error as text and from a file,
a file's path, a --context value) carrying an OSC title change (ESC ] 0 ; ...
BEL), a screen clear (ESC [ 2 J), a CR LF that would forge a "CONFIRMED" line,
DEL, a C1 CSI (U+009B) and a right-to-left override (U+202E), and scans every
byte of standard output and standard error: nothing below 0x20 but a line feed
(and a tab inside a command), no DEL, no C1 control, no bidirectional override
or line separator, no byte that is not UTF-8, and no line that starts with
the forged word. Loaders must refuse such text in rule and world files with a
diagnostic naming the file and the JSON path.

Usage: terminal_safety_test.py RDPTRIAGE_BINARY SOURCE_DIR
"""
import json
import os
import subprocess
import sys
import tempfile

BIN, SRC = sys.argv[1], sys.argv[2]
FORGED = "CONFIRMED  forged-by-input"
HOSTILE = ("x\x1b]0;owned-title\x07 \x1b[2J\x1b[H" "\r\n" + FORGED +
           " del\x7f csi\u009b31m rlo\u202egnp.exe ls\u2028next")
BAD = set(range(0x00, 0x20)) - {0x0a, 0x09}
BAD_CP = set(range(0x7f, 0xa0)) | {0x061c, 0x200e, 0x200f, 0x2028, 0x2029}
BAD_CP |= set(range(0x202a, 0x202f)) | set(range(0x2066, 0x206a))

passed = failed = 0


def scan(name, data):
    """Every problem in the bytes `data`, as strings."""
    problems = []
    text = data.decode("utf-8", errors="surrogateescape")
    for i, ch in enumerate(text):
        cp = ord(ch)
        if 0xdc80 <= cp <= 0xdcff:
            problems.append(f"{name}: a byte that is not UTF-8 at {i}")
        elif cp in BAD or cp in BAD_CP:
            problems.append(f"{name}: raw U+{cp:04X} at {i}: {text[max(0, i - 30):i + 10]!r}")
    for line in text.split("\n"):
        if line.lstrip().startswith(FORGED.split()[0] + "  forged"):
            problems.append(f"{name}: a forged line: {line!r}")
    return problems


def run(name, args, want_codes, expect_in_err=(), stdin=None, expect_in_out=()):
    global passed, failed
    p = subprocess.run([BIN] + args, capture_output=True, input=stdin, timeout=120,
                       env=dict(os.environ, NO_COLOR="1"))
    problems = scan("stdout", p.stdout) + scan("stderr", p.stderr)
    if p.returncode not in want_codes:
        problems.append(f"exit {p.returncode}, wanted {want_codes}")
    err = p.stderr.decode("utf-8", errors="replace")
    out = p.stdout.decode("utf-8", errors="replace")
    for want in expect_in_err:
        if want not in err:
            problems.append(f"stderr lacks {want!r}")
    for want in expect_in_out:
        if want not in out:
            problems.append(f"stdout lacks {want!r}")
    # The hostile text must still be seen (escaped), not silently dropped,
    # wherever the run reached the report or the error.
    if problems:
        failed += 1
        print(f"FAIL {name}")
        for pr in problems[:8]:
            print(f"    {pr}")
        print("    stderr: " + err[:600].replace("\n", "\n            "))
    else:
        passed += 1
        print(f"ok   {name}")


with tempfile.TemporaryDirectory() as tmp:
    def write(fname, obj):
        path = os.path.join(tmp, fname)
        with open(path, "w", encoding="utf-8") as f:
            if isinstance(obj, str):
                f.write(obj)
            else:
                json.dump(obj, f, ensure_ascii=False)
        return path

    # Observations: reasons, details and the client error are data, kept
    # and shown escaped.
    obs = json.load(open(os.path.join(SRC, "examples/observations/partial.json")))
    obs["title"] = HOSTILE
    obs["client_error"] = HOSTILE
    obs["results"]["client.name_resolution"] = {"failed": HOSTILE}
    obs["results"]["azure.power_state"] = {"unavailable": HOSTILE}
    obs["results"]["client.tcp_connect"] = {"value": "timeout", "detail": HOSTILE}
    obs_path = write("obs.json", obs)
    for extra in ([], ["--json"]):
        run("observations with hostile reasons and details " + " ".join(extra),
            ["diagnose", "--observations", obs_path] + extra, {0, 3},
            expect_in_out=["owned-title"])
    run("observations, --context value hostile",
        ["diagnose", "--observations", obs_path, "--context", "vm=" + HOSTILE], {0, 2, 3})
    bad_obs = dict(obs)
    bad_obs["results"] = {HOSTILE: "x"}
    run("observations naming a hostile probe id",
        ["diagnose", "--observations", write("badobs.json", bad_obs)], {2},
        expect_in_err=["\\x1b]0;owned-title"])

    # A world: its title is shown by the drill; control characters refused.
    world = {"schema": "rdptriage.world/1", "title": HOSTILE, "expect": {"status": "healthy"}}
    world_path = write("world.json", world)
    for cmd in (["diagnose", "--world", world_path], ["drill", world_path]):
        run(f"world with a hostile title refused ({cmd[0]})", cmd, {2},
            expect_in_err=["world.json", "title", "U+001B"], stdin=b"")
    world = {"schema": "rdptriage.world/1", "title": "ok", HOSTILE: 1}
    run("world with a hostile member name",
        ["diagnose", "--world", write("world2.json", world)], {2},
        expect_in_err=["world2.json"])

    # A rule file: titles and meanings are shown in every report.
    rules = {"schema": "rdptriage.rules/1", "about": "a custom file",
             "symptoms": [{"id": "custom_symptom", "title": HOSTILE}]}
    rules_path = write("rules.json", rules)
    run("rule file with a hostile title refused (rules check)",
        ["rules", "check", rules_path], {2},
        expect_in_err=["rules.json", "symptoms[0].title", "U+001B"])
    run("rule file with a hostile title refused (diagnose)",
        ["diagnose", "--observations", obs_path, "--rules", rules_path], {2},
        expect_in_err=["rules.json", "symptoms[0].title"])

    # The client's error as text, from a file, from standard input, and as
    # a hostile path.
    run("client error text", ["--client-error", HOSTILE], {0, 3})
    run("client error text, JSON", ["--client-error", HOSTILE, "--json"], {0, 3})
    ce = write("ce.txt", HOSTILE * 3)
    run("client error file", ["--client-error-file", ce], {0, 3})
    run("client error from stdin", ["--client-error-file", "-"], {0, 3},
        stdin=HOSTILE.encode())
    evil_name = os.path.join(tmp, "evil\x1b]0;t\x07\r\nCONFIRMED  forged-by-input.txt")
    run("client error file with a hostile missing path",
        ["--client-error-file", evil_name], {2}, expect_in_err=["\\x1b]0;t"])
    with open(evil_name, "w") as f:
        f.write(("Error code: 0x204\n" + HOSTILE + "\n") * 20000)  # over the read limit
    run("client error file with a hostile path, read in part",
        ["--client-error-file", evil_name], {0, 3})
    run("a hostile rules path", ["rules", "check", evil_name + ".json"], {2})
    run("a hostile unknown option value", ["diagnose", "--symptom", HOSTILE], {2})

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
