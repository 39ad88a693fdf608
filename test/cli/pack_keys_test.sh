#!/usr/bin/env bash
# Keys and signed packs from the command line. An encrypted key must fail at
# once with a clear message, never prompt on the terminal: checked under a
# pseudo-terminal whose input stays open (where OpenSSL's own prompt would
# wait for ever) and without a controlling terminal, each bounded by a
# generous timeout. A private key is never accepted as a trusted key.
# --min-version works on diagnose and rules check as on rules verify, and
# the report names the packs it used. Prints one line per check.
set -u
bin="$1"; src="$2"
tmp=$(mktemp -d)
holder=""
cleanup() { [ -n "$holder" ] && kill "$holder" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
pass=0; fail=0
ok() { echo "ok   $1"; pass=$((pass+1)); }
bad() { echo "FAIL $1"; [ -n "${2:-}" ] && sed 's/^/    /' "$2" | head -5; fail=$((fail+1)); }
run() {  # name, expected exit, command...: output in $tmp/out, $tmp/err
  local name="$1" want="$2"; shift 2
  "$@" >"$tmp/out" 2>"$tmp/err" </dev/null; local got=$?
  if [ "$got" -eq "$want" ]; then ok "$name"; else bad "$name: exit $got, wanted $want" "$tmp/err"; fi
}
has() {  # name, file, extended regex
  if grep -qE "$3" "$2"; then ok "$1"; else bad "$1: no /$3/" "$2"; fi
}

openssl genpkey -algorithm ed25519 -out "$tmp/key.pem" 2>/dev/null
openssl pkey -in "$tmp/key.pem" -pubout -out "$tmp/key.pub" 2>/dev/null
openssl genpkey -algorithm ed25519 -aes-256-cbc -pass pass:secret -out "$tmp/enc.pem" 2>/dev/null
grep -q ENCRYPTED "$tmp/enc.pem" || { echo "FAIL: openssl wrote no encrypted key"; exit 1; }
mkdir "$tmp/pack"
cat >"$tmp/pack/site.json" <<'JSON'
{"schema": "rdptriage.rules/1",
 "overrides": [{"cause": "network.nsg_denies_rdp", "title": "An NSG denies RDP (Acme runbook 7)"}]}
JSON

# Under a pseudo-terminal whose input never ends: the prompt would hang.
if command -v script >/dev/null; then
  exec 3< <(sleep 300)
  holder=$!
  timeout 120 script -qec "'$bin' rules sign '$tmp/pack' --key '$tmp/enc.pem' --name acme" \
    /dev/null <&3 >"$tmp/pty" 2>&1
  got=$?
  exec 3<&-
  if [ "$got" -eq 124 ]; then bad "rules sign with an encrypted key under a terminal: hung" "$tmp/pty"
  elif [ "$got" -ne 2 ]; then bad "rules sign with an encrypted key under a terminal: exit $got" "$tmp/pty"
  else ok "rules sign with an encrypted key under a terminal ends at once"; fi
  has "it says the key is encrypted" "$tmp/pty" "encrypted private key"
  if grep -qiE "pass ?phrase:" "$tmp/pty"; then bad "OpenSSL prompted for a passphrase" "$tmp/pty"
  else ok "no passphrase prompt"; fi
  has "the CLI says how to decrypt it" "$tmp/pty" "openssl pkey -in"
  [ ! -e "$tmp/pack/pack.manifest" ] && ok "nothing was signed" || bad "a manifest was written"
else
  echo "skip the pseudo-terminal checks: no script(1)"
fi

# Without a controlling terminal.
run "rules sign with an encrypted key, no terminal" 2 \
  setsid -w timeout 120 "$bin" rules sign "$tmp/pack" --key "$tmp/enc.pem" --name acme
has "it says the key is encrypted" "$tmp/err" "encrypted private key"
run "rules sign" 0 "$bin" rules sign "$tmp/pack" --key "$tmp/key.pem" --name acme --version 3
run "rules verify with the encrypted key as trusted key" 2 \
  setsid -w timeout 120 "$bin" rules verify "$tmp/pack" --key "$tmp/enc.pem"
has "a private key is not a trusted key" "$tmp/err" "a private key where a public key is expected"
run "rules verify with the private key as trusted key" 2 "$bin" rules verify "$tmp/pack" --key "$tmp/key.pem"
has "a private key is not a trusted key (unencrypted)" "$tmp/err" "a private key where a public key is expected"
run "diagnose with the private key as trusted key" 2 "$bin" diagnose --rules "$tmp/pack" \
  --trusted-key "$tmp/key.pem" --world "$src/examples/worlds/healthy.json"
has "diagnose says so" "$tmp/err" "a private key where a public key is expected"

# --min-version beyond rules verify.
world="$src/examples/worlds/network.nsg_denies_rdp.json"
run "diagnose at the minimum version" 0 "$bin" diagnose --rules "$tmp/pack" --trusted-key "$tmp/key.pub" \
  --min-version acme=3 --world "$world" --json
python3 - "$tmp/out" <<'PY' && ok "the report names the pack and the rule schema" || bad "report packs" "$tmp/out"
import json, sys
r = json.load(open(sys.argv[1]))
p = r['rule_packs']
assert r['rules_schema'] == 'rdptriage.rules/1', r['rules_schema']
assert len(p) == 1 and p[0]['name'] == 'acme' and p[0]['version'] == 3 and p[0]['files'] == ['site.json'], p
assert p[0]['key_fingerprint'].startswith('sha256:' + p[0]['key_id'])
assert any(c['target'] == 'network.nsg_denies_rdp' for c in r['rule_changes'])
PY
run "diagnose below the minimum version" 2 "$bin" diagnose --rules "$tmp/pack" --trusted-key "$tmp/key.pub" \
  --min-version acme=4 --world "$world"
has "diagnose names the replay" "$tmp/err" "older than version 4"
run "rules check at the minimum version" 0 "$bin" rules check "$tmp/pack" --trusted-key "$tmp/key.pub" --min-version acme=3
has "rules check lists the pack" "$tmp/out" "^pack: acme version 3, signed by [0-9a-f]{16}, 1 rule files in "
run "rules check below the minimum version" 2 "$bin" rules check "$tmp/pack" --trusted-key "$tmp/key.pub" --min-version acme=9
has "rules check names the replay" "$tmp/err" "older than version 9"
run "--min-version without --trusted-key" 2 "$bin" rules check "$tmp/pack" --min-version acme=3
has "says it needs a key" "$tmp/err" "goes with --trusted-key"
run "--min-version of no NAME=VERSION" 2 "$bin" diagnose --rules "$tmp/pack" --trusted-key "$tmp/key.pub" \
  --min-version acme --world "$world"
has "names the bad value" "$tmp/err" 'NAME=VERSION, got "acme"'

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
