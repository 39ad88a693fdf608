#!/usr/bin/env bash
# End-to-end checks of the rdptriage CLI. Prints one line per check and a
# closing "N passed, M failed".
set -u
bin="$1"; src="$2"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
check() {  # name, expected exit, command...
  local name="$1" want="$2"; shift 2
  "$@" >"$tmp/out" 2>"$tmp/err"; local got=$?
  if [ "$got" -ne "$want" ]; then
    echo "FAIL $name: exit $got, wanted $want"; sed 's/^/    /' "$tmp/err" | head -5; fail=$((fail+1)); return 1
  fi
  if grep -qE "terminate called|what\(\)|Aborted|Segmentation" "$tmp/out" "$tmp/err"; then
    echo "FAIL $name: crash text in output"; fail=$((fail+1)); return 1
  fi
  echo "ok   $name"; pass=$((pass+1)); return 0
}
expect() {  # name, file, pattern
  if grep -qE "$3" "$2"; then echo "ok   $1"; pass=$((pass+1)); else echo "FAIL $1: no /$3/ in $2"; head -5 "$2" | sed 's/^/    /'; fail=$((fail+1)); fi
}
json_field() { python3 -c "import json,sys; print(json.load(open('$1'))$2)"; }

# The shared catalog checker: every catalog cause named with its layer.
check "catalog --json names every catalog cause" 0 "$src/../shared/tools/check-catalog" "$bin"
check "catalog (human)" 0 "$bin" catalog
expect "catalog groups by layer" "$tmp/out" "^network \("

# Each bundled observations file diagnoses as intended.
while read -r file status cause code; do
  check "diagnose $file" "$code" "$bin" diagnose --observations "$src/examples/observations/$file" --json
  [ "$(json_field "$tmp/out" "['status']")" = "$status" ] && [ "$(json_field "$tmp/out" "['cause']")" = "$cause" ] \
    && { echo "ok   $file -> $status $cause"; pass=$((pass+1)); } \
    || { echo "FAIL $file: wanted $status $cause"; fail=$((fail+1)); }
done <<'CASES'
nsg-deny.json confirmed network.nsg_denies_rdp 0
termservice-stopped.json confirmed service.termservice_down 0
credssp.json confirmed auth.credssp_mismatch 0
expired-password.json confirmed auth.password_expired 0
black-screen-memory.json confirmed guest.resource_exhaustion 0
partial.json inconclusive None 3
CASES
check "human report" 0 "$bin" diagnose --observations "$src/examples/observations/nsg-deny.json"
expect "human report shows the rendered fix" "$tmp/out" "az network nsg rule create --resource-group prod-rg"
expect "human report shows the warning" "$tmp/out" "Bastion"

# The client error alone localizes the layer and names the next test.
check "client error alone" 3 "$bin" diagnose --json --client-error "An authentication error has occurred. The Local Security Authority cannot be contacted"
[ "$(json_field "$tmp/out" "['layer']")" = "auth" ] && { echo "ok   client error -> layer auth"; pass=$((pass+1)); } || { echo "FAIL client error layer"; fail=$((fail+1)); }
expect "next tests are named" "$tmp/out" '"next_test": "az '

# Rules rendering and checking.
check "rules table" 0 "$bin" rules table
expect "table header" "$tmp/out" "^\| Symptom \| Layer \| Cause \| Confirming test \| Fix \|"
check "rules dot" 0 "$bin" rules dot
expect "dot graph" "$tmp/out" "^digraph"
check "rules check bundled" 0 "$bin" rules check
expect "rules check counts" "$tmp/out" "^ok: 43 causes"

# Custom rules on top of the bundled ones.
cat >"$tmp/custom.json" <<'JSON'
{"schema": "rdptriage.rules/1",
 "rules": [{"id": "network.corp_proxy_pac", "layer": "network", "stage": "client",
   "title": "The corporate PAC file sends RDP to a proxy that drops it",
   "explanation": "Our proxy auto-config routes 3389 through the web proxy.",
   "symptoms": ["timeout"], "confirm": {"probe": "client.tcp_connect", "eq": "local_error"},
   "confirm_text": "connect fails locally", "fix": [{"text": "Exclude the VM from the PAC file."}],
   "sources": [{"seed": "internal", "section": "proxy runbook"}]}]}
JSON
check "rules check custom" 0 "$bin" rules check "$tmp/custom.json"
expect "custom rule counted" "$tmp/out" "^ok: 44 causes"
check "catalog with --rules" 0 "$bin" catalog --json --rules "$tmp/custom.json"
expect "custom cause listed" "$tmp/out" "network.corp_proxy_pac"

# Bad input: one clear line, exit 2.
check "missing observations file" 2 "$bin" diagnose --observations "$tmp/nope.json"
expect "names the missing file" "$tmp/err" "nope.json"
printf '{"results": {\n  "azure.power_state": "running",\n}\n' >"$tmp/bad.json"
check "bad JSON" 2 "$bin" diagnose --observations "$tmp/bad.json"
expect "bad JSON names line:col" "$tmp/err" "bad.json:3:1"
printf '{"results": {"azure.powerstate": "running"}}' >"$tmp/unknown.json"
check "unknown probe id" 2 "$bin" diagnose --observations "$tmp/unknown.json"
expect "names the probe and path" "$tmp/err" 'results.azure.powerstate.*unknown probe id'
printf '{"results": {"azure.power_state": "sleeping"}}' >"$tmp/domain.json"
check "value outside domain" 2 "$bin" diagnose --observations "$tmp/domain.json"
expect "names the domain" "$tmp/err" "enum\(running\|stopped\|deallocated\)"
check "hostile context value" 2 "$bin" diagnose --symptom timeout --context 'resource_group=rg;rm -rf /'
expect "names the context key" "$tmp/err" "context.resource_group"
check "unknown symptom" 2 "$bin" diagnose --symptom sneezing
check "no input" 2 "$bin" diagnose
check "unknown subcommand" 2 "$bin" frobnicate
check "help" 0 "$bin" --help
printf '{"rules": [{"id": "network.x", "layer": "network"}]}' >"$tmp/badrule.json"
check "rules check malformed" 2 "$bin" rules check "$tmp/badrule.json"
expect "rules check names line:col" "$tmp/err" "badrule.json:1:[0-9]+: rules\[0\]"
check "custom rules with errors refuse to load" 2 "$bin" catalog --rules "$tmp/badrule.json"

# Simulated estates and the drill.
check "diagnose --world (seed 003, worked diagnosis one)" 0 "$bin" diagnose --world "$src/examples/worlds/seed003.nsg_deny_shadows_allow.json" --json
[ "$(json_field "$tmp/out" "['cause']")" = "network.nsg_denies_rdp" ] && { echo "ok   world -> nsg"; pass=$((pass+1)); } || { echo "FAIL world cause"; fail=$((fail+1)); }
expect "the deciding rule is in the evidence" "$tmp/out" "Deny-Internet-Inbound \\(priority 200\\)"
check "out-of-band world is inconclusive" 3 "$bin" diagnose --world "$src/examples/worlds/out_of_band_unreachable.json"
check "healthy world" 0 "$bin" diagnose --world "$src/examples/worlds/healthy.json"
expect "healthy says so" "$tmp/out" "^HEALTHY"
printf '{"vm": {"guest": {"rdp": {"port": "abc"}}}}' >"$tmp/badworld.json"
check "bad world" 2 "$bin" diagnose --world "$tmp/badworld.json"
expect "bad world names the JSON path" "$tmp/err" 'badworld.json:1:[0-9]+: vm.guest.rdp.port: expected integer 1..65535, got "abc"'
check "drill without input reveals and exits" 0 "$bin" drill "$src/examples/worlds/auth.password_expired.json"
expect "drill reveals the cause" "$tmp/out" "auth.password_expired"
printf 'auth\n1\n' >"$tmp/answers"
check "drill with answers" 0 bash -c "\"$bin\" drill \"$src/examples/worlds/auth.password_expired.json\" < \"$tmp/answers\""
expect "drill grades the layer" "$tmp/out" "You said auth: right layer"

# probe: bad targets get one clear line and exit 2; a closed loopback port is refused.
for target in "" "host:0" "host:70000" "[::1" "a b" "host:"; do
  check "probe rejects \"$target\"" 2 "$bin" probe "$target"
done
check "probe a closed loopback port" 3 "$bin" probe 127.0.0.1:1 --timeout 1 --json
[ "$(json_field "$tmp/out" "['symptom']")" = "refused" ] && { echo "ok   closed port -> refused"; pass=$((pass+1)); } || { echo "FAIL closed port symptom"; fail=$((fail+1)); }

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
