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
event-4625.json confirmed auth.wrong_password 0
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

# The client's error on its own, from a file, from stdin; custom codes.
check "client error on its own" 3 "$bin" --client-error "Error code: 0xF07" --json
[ "$(json_field "$tmp/out" "['leading_cause']")" = "auth.password_expired" ] && { echo "ok   0xF07 -> auth.password_expired leads"; pass=$((pass+1)); } || { echo "FAIL 0xF07 leading cause"; fail=$((fail+1)); }
expect "the next test for the leading cause comes first" "$tmp/out" '"cause": "auth.password_expired"'
check "client error human report" 3 "$bin" --client-error "Error code: 0x204 Extended error code: 0x7"
expect "shows what was read" "$tmp/out" "disconnectReasonSocketConnectFailed"
expect "marks what decided" "$tmp/out" '\* 7 exDiscReasonServerDeniedConnection'
check "an xfreerdp log from a file" 0 "$bin" diagnose --client-error-file "$src/test/data/xfreerdp/nocert.log" --json
[ "$(json_field "$tmp/out" "['cause']")" = "service.listener_certificate" ] && { echo "ok   log -> listener certificate"; pass=$((pass+1)); } || { echo "FAIL log cause"; fail=$((fail+1)); }
check "an xfreerdp log on stdin" 3 bash -c "\"$bin\" --client-error-file - --json < \"$src/test/data/xfreerdp/closed-port.log\""
[ "$(json_field "$tmp/out" "['symptom']")" = "no_connection" ] && { echo "ok   stdin -> no_connection"; pass=$((pass+1)); } || { echo "FAIL stdin symptom"; fail=$((fail+1)); }
python3 -c "import sys; sys.stdout.write('x' * 3000000 + '\\nERRCONNECT_ACCOUNT_LOCKED_OUT [0x00020018]\\n')" >"$tmp/huge.log"
check "a huge log is read from its end" 3 "$bin" --client-error-file "$tmp/huge.log" --json
[ "$(json_field "$tmp/out" "['symptom']")" = "account_locked" ] && { echo "ok   huge log -> account_locked"; pass=$((pass+1)); } || { echo "FAIL huge log"; fail=$((fail+1)); }
expect "says it read the end" "$tmp/err" "reading its last"
check "a missing log file" 2 "$bin" --client-error-file "$tmp/nope.log"
expect "names the file" "$tmp/err" "nope.log"
check "--client-error before a command" 2 "$bin" --client-error x diagnose --symptom timeout
check "nothing at all" 2 "$bin"
check "unrecognised text" 3 "$bin" --client-error "the printer is out of paper" --json
[ "$(json_field "$tmp/out" "['client_error']['recognized']")" = "False" ] && { echo "ok   unrecognised says so"; pass=$((pass+1)); } || { echo "FAIL unrecognised"; fail=$((fail+1)); }
cat >"$tmp/ourclient.json" <<'JSON'
{"schema": "rdptriage.rules/1",
 "client_codes": [{"id": "acme.gateway", "title": "ACME RDP gateway error", "source": "ACME runbook",
   "patterns": ["gw-err-(?P<code>\\d+)"],
   "codes": [{"code": 4041, "name": "GW_BACKEND_UNREACHABLE", "meaning": "The gateway cannot reach the VM.",
              "symptom": "timeout"}]}],
 "client_messages": [{"id": "acme.vpn_down", "phrases": ["acme vpn is * disconnected"],
   "meaning": "The VPN to Azure is down.", "symptom": "timeout",
   "cause": "network.edge_device_block"}]}
JSON
check "rules check custom client codes" 0 "$bin" rules check "$tmp/ourclient.json"
check "a custom client code" 3 "$bin" --client-error "GW-ERR-4041 at 10:02" --rules "$tmp/ourclient.json" --json
[ "$(json_field "$tmp/out" "['symptom']")" = "timeout" ] && { echo "ok   custom code -> timeout"; pass=$((pass+1)); } || { echo "FAIL custom code"; fail=$((fail+1)); }
check "a custom client message" 3 "$bin" diagnose --client-error "ACME VPN is currently disconnected" --rules "$tmp/ourclient.json" --json
[ "$(json_field "$tmp/out" "['leading_cause']")" = "network.edge_device_block" ] && { echo "ok   custom message -> cause"; pass=$((pass+1)); } || { echo "FAIL custom message"; fail=$((fail+1)); }
printf '{"schema": "rdptriage.rules/1", "client_codes": [{"id": "acme.bad", "title": "t", "source": "s",\n  "patterns": ["gw-err-(\\\\d+"], "codes": [{"code": 1, "meaning": "m"}]}]}' >"$tmp/badregex.json"
check "a broken custom pattern" 2 "$bin" rules check "$tmp/badregex.json"
expect "names file, line and path" "$tmp/err" 'badregex.json:2:[0-9]+: client_codes\[0\]\.patterns\[0\]: .*not a valid RE2 expression'

# Rules rendering and checking.
check "rules table" 0 "$bin" rules table
expect "table header" "$tmp/out" "^\| Symptom \| Layer \| Cause \| Confirming test \| Fix \|"
check "rules dot" 0 "$bin" rules dot
expect "dot graph" "$tmp/out" "^digraph"
check "rules check bundled" 0 "$bin" rules check
expect "rules check counts" "$tmp/out" "^ok: 48 causes"

# Custom rules on top of the bundled ones.
cat >"$tmp/custom.json" <<'JSON'
{"schema": "rdptriage.rules/1",
 "rules": [{"id": "network.corp_proxy_pac", "layer": "network", "stage": "client",
   "title": "The corporate PAC file sends RDP to a proxy that drops it",
   "explanation": "Our proxy auto-config routes 3389 through the web proxy.",
   "symptoms": ["timeout"], "confirm": {"probe": "client.tcp_connect", "eq": "local_error"},
   "confirm_text": "connect fails locally", "fix": [{"text": "Exclude the VM from the PAC file."}],
   "sources": [{"url": "https://wiki.contoso.example/network/proxy-runbook", "section": "proxy runbook"}]}]}
JSON
check "rules check custom" 0 "$bin" rules check "$tmp/custom.json"
expect "custom rule counted" "$tmp/out" "^ok: 49 causes"
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

# Inputs that never end (issue 14, item 6): one clear error at once, or a
# bounded read; never a hang. `timeout` turns a hang into a failed check.
mkfifo "$tmp/fifo.log" "$tmp/fifo.json"
for dev in /dev/zero /dev/urandom; do
  check "--client-error-file $dev is refused" 2 timeout 10 "$bin" diagnose --client-error-file "$dev"
  expect "says $dev is a device" "$tmp/err" "^rdptriage: $dev: a device, not a regular file"
done
check "a FIFO as --client-error-file does not block" 2 timeout 10 "$bin" --client-error-file "$tmp/fifo.log"
expect "says it is a FIFO" "$tmp/err" "fifo.log: a FIFO, not a regular file"
check "a directory as --client-error-file" 2 timeout 10 "$bin" --client-error-file "$tmp"
expect "says it is a directory" "$tmp/err" "a directory, not a regular file"
check "standard input that never ends is refused after a bounded read" 2 \
  timeout 30 bash -c "\"$bin\" --client-error-file - < /dev/zero"
expect "says it may never end" "$tmp/err" "standard input: still going after [0-9]+ bytes; it may never end"
check "a pipe that never ends is refused too" 2 timeout 30 bash -c "yes 0x904 | \"$bin\" --client-error-file -"
check "a huge log on standard input is read from its end" 3 \
  timeout 30 bash -c "\"$bin\" --client-error-file - --json < \"$tmp/huge.log\""
[ "$(json_field "$tmp/out" "['symptom']")" = "account_locked" ] && { echo "ok   huge stdin -> account_locked"; pass=$((pass+1)); } || { echo "FAIL huge stdin"; fail=$((fail+1)); }
expect "says standard input was read from its end" "$tmp/err" "standard input is [0-9]+ bytes; reading its last"
check "a FIFO as --observations does not block" 2 timeout 10 "$bin" diagnose --observations "$tmp/fifo.json"
expect "names the observations FIFO" "$tmp/err" "fifo.json: a FIFO, not a regular file"
check "/dev/zero as --observations" 2 timeout 10 "$bin" diagnose --observations /dev/zero
expect "names the observations device" "$tmp/err" "/dev/zero: a device, not a regular file"
check "a FIFO as --world does not block" 2 timeout 10 "$bin" diagnose --world "$tmp/fifo.json"
expect "names the world FIFO" "$tmp/err" "fifo.json: a FIFO, not a regular file"
check "a FIFO as a drill world does not block" 2 timeout 10 "$bin" drill "$tmp/fifo.json"
check "a FIFO as --rules does not block" 2 timeout 10 "$bin" catalog --rules "$tmp/fifo.json"
expect "names the rules FIFO" "$tmp/err" "fifo.json: a FIFO, not a regular file"
check "/dev/zero as a rule file" 2 timeout 10 "$bin" rules check /dev/zero
expect "names the rules device" "$tmp/err" "/dev/zero: a device, not a regular file"
# The memory bound is ulimit -v, except under AddressSanitizer, which
# reserves terabytes of address space for its shadow memory at start.
vm_limit="ulimit -v 4000000;"
if nm "$bin" 2>/dev/null | grep -q ' __asan_init'; then vm_limit=""; fi
check "drill < /dev/zero ends with a bounded answer" 0 \
  timeout 30 bash -c "$vm_limit \"$bin\" drill \"$src/examples/worlds/auth.password_expired.json\" < /dev/zero"
expect "says the answer was too long" "$tmp/err" "an answer longer than 256 bytes"
expect "the drill still reveals the cause" "$tmp/out" "auth.password_expired"

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

# Options before the subcommand: --rules and --json apply to it; others are
# refused with one line instead of being silently ignored.
cat >"$tmp/site.json" <<'JSON'
{"schema": "rdptriage.rules/1", "rules": [{"id": "network.site_vpn_down", "layer": "network",
 "stage": "network", "title": "The site VPN is down", "explanation": "e", "symptoms": ["timeout"],
 "confirm": {"probe": "netwatch.next_hop", "eq": "None"}, "confirm_text": "c",
 "fix": [{"text": "f"}], "sources": [{"seed": "003_344dbb31c73e95e9.txt", "section": "x"}]}]}
JSON
check "--rules before catalog" 0 "$bin" --rules "$tmp/site.json" catalog --json
expect "--rules before catalog is used" "$tmp/out" '"network.site_vpn_down"'
check "--json before catalog" 0 "$bin" --json catalog
expect "--json before catalog is used" "$tmp/out" '^\['
check "--rules before diagnose" 0 "$bin" --rules "$tmp/site.json" diagnose --world "$src/examples/worlds/healthy.json" --json
check "--context before a command is refused" 2 "$bin" --context vm=web01 catalog
expect "--context before a command says where it goes" "$tmp/err" "put --context after the command"
# Signed rule packs: sign, verify, load only when signed by a trusted key.
mkdir -p "$tmp/pack" && cp "$tmp/site.json" "$tmp/pack/"
openssl genpkey -algorithm ed25519 -out "$tmp/pack.key" 2>/dev/null
openssl pkey -in "$tmp/pack.key" -pubout -out "$tmp/pack.pub" 2>/dev/null
openssl genpkey -algorithm ed25519 -out "$tmp/other.key" 2>/dev/null
openssl pkey -in "$tmp/other.key" -pubout -out "$tmp/other.pub" 2>/dev/null
check "rules sign" 0 "$bin" rules sign "$tmp/pack" --key "$tmp/pack.key" --name site --version 2
check "rules verify" 0 "$bin" rules verify "$tmp/pack" --key "$tmp/pack.pub"
check "rules verify with another key" 2 "$bin" rules verify "$tmp/pack" --key "$tmp/other.pub"
expect "another key is named as untrusted" "$tmp/err" "signed by no trusted key"
check "rules verify below the minimum version" 2 "$bin" rules verify "$tmp/pack" --key "$tmp/pack.pub" --min-version site=3
check "diagnose with a trusted signed pack" 0 "$bin" diagnose --rules "$tmp/pack" --trusted-key "$tmp/pack.pub" --world "$src/examples/worlds/healthy.json"
printf ' ' >>"$tmp/pack/site.json"
check "a tampered pack is refused" 2 "$bin" diagnose --rules "$tmp/pack" --trusted-key "$tmp/pack.pub" --world "$src/examples/worlds/healthy.json"
expect "the tampered file is named" "$tmp/err" "site.json: changed since the pack was signed"
check "rules check prints the rules digest" 0 "$bin" rules check
expect "the digest is SHA-256" "$tmp/out" "rules sha256:[0-9a-f]{64}"
# Channel policy from the command line.
check "--disable run_command" 0 "$bin" diagnose --world "$src/examples/worlds/service.termservice_down.json" --disable run_command --json
expect "--disable run_command takes the serial console" "$tmp/out" '"probe": "serial.termservice_state"'
expect "--disable run_command is named" "$tmp/out" '"guest.termservice_state"'
check "--disable of nothing known" 2 "$bin" diagnose --world "$src/examples/worlds/healthy.json" --disable no_such_thing
check "--version" 0 "$bin" --version
expect "--version prints the library version" "$tmp/out" '^[0-9]+\.[0-9]+\.[0-9]+$'

# Overrides: a site file changes bundled causes; rules check and the report
# say which file changed what.
cat >"$tmp/site.json" <<'JSON'
{"schema": "rdptriage.rules/1",
 "overrides": [
   {"cause": "service.termservice_down",
    "title": "TermService is down (page the Acme Windows team)",
    "reason": "our escalation path"},
   {"disable_cause": "service.rdp_disabled", "reason": "GPO forbids fDenyTSConnections here"}
 ]}
JSON
check "rules check with overrides" 0 "$bin" rules check "$tmp/site.json"
expect "one line per change, with file:line:col" "$tmp/out" '^override: service.termservice_down: title set by .*site.json:4:14 \(our escalation path\)$'
expect "the disable is listed" "$tmp/out" '^override: service.rdp_disabled: disabled by .*site.json:6:22'
expect "the dropped reference is a note" "$tmp/out" '^note: .*service.json:[0-9]+:[0-9]+: rules\[[0-9]+\]\.after\[0\]: \[service.termservice_down\] "service.rdp_disabled" is disabled at .*site.json:6:22: dropped'
expect "the disabled cause is gone" "$tmp/out" "^ok: 47 causes"
check "a report over changed rules" 0 "$bin" diagnose --observations "$src/examples/observations/termservice-stopped.json" --rules "$tmp/site.json" --json
[ "$(json_field "$tmp/out" "['rule_changes'][0]['text']")" = "title set by $tmp/site.json:4:14 (our escalation path)" ] \
  && { echo "ok   the report names the override that changed its cause"; pass=$((pass+1)); } \
  || { echo "FAIL report rule_changes"; fail=$((fail+1)); }
[ "$(json_field "$tmp/out" "['title']")" = "TermService is down (page the Acme Windows team)" ] \
  && { echo "ok   the report uses the patched title"; pass=$((pass+1)); } \
  || { echo "FAIL patched title"; fail=$((fail+1)); }
printf '{"schema": "rdptriage.rules/1",\n "overrides": [{"disable_cause": "service.no_such"}]}' >"$tmp/badsite.json"
check "an override of an unknown cause" 2 "$bin" rules check "$tmp/badsite.json"
expect "names file:line:col and path" "$tmp/err" 'badsite.json:2:34: overrides\[0\]\.disable_cause: \[service.no_such\] unknown cause'
cp "$tmp/custom.json" "$tmp/dup.json"; sed -i 's/network.corp_proxy_pac/network.nsg_denies_rdp/' "$tmp/dup.json"
check "reusing a bundled id" 2 "$bin" rules check "$tmp/dup.json"
expect "says to use an override instead" "$tmp/err" 'duplicate cause id .*"overrides"'

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
