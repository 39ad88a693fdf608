#!/usr/bin/env bash
# Installs the build into a fresh prefix, moves the prefix elsewhere, and
# builds examples/consumer against the moved package with find_package, the
# way a host application would. With no source or build tree in reach
# (RDPTRIAGE_RULES_DIR unset), the consumer and the installed CLI must load
# the moved package's rules, including a rule file added to them.
set -euo pipefail
build_dir="$1"; source_dir="$2"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build_dir" --prefix "$work/first" >/dev/null
mv "$work/first" "$work/moved"
prefix="$work/moved"
rules="$prefix/share/rdptriage/rules"
# Neither the library nor the CLI may carry a path into the source or build tree.
for f in "$prefix"/lib*/librdptriage.a "$prefix/bin/rdptriage"; do
  if strings "$f" | grep -F -e "$source_dir/rules" -e "$build_dir/share" >/dev/null; then
    echo "FAIL: $f refers to the source or build tree"; exit 1
  fi
done
# A host's own rule file, added to the installed rules.
cat > "$rules/zz_site.json" <<'JSON'
{"schema": "rdptriage.rules/1",
 "rules": [{"id": "network.site_vpn_down", "layer": "network", "stage": "network",
            "title": "The site's VPN to Azure is down",
            "explanation": "Packets to the private address go nowhere while the VPN is down.",
            "symptoms": ["timeout"], "after": ["network.nsg_denies_rdp"],
            "confirm": {"probe": "netwatch.next_hop", "eq": "None"},
            "confirm_text": "The next hop towards the client is None",
            "fix": [{"text": "Bring the VPN gateway connection back up."}],
            "sources": [{"seed": "003_344dbb31c73e95e9.txt", "section": "Layer one"}]}]}
JSON
cmake -S "$source_dir/examples/consumer" -B "$work/build" \
      -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$work/build" -j2 >/dev/null
cd "$work"  # nowhere near the source tree
out=$(env -u RDPTRIAGE_RULES_DIR "$work/build/consumer")
echo "$out"
grep -qF "bundled rules: $rules (" <<<"$out" || { echo "FAIL: consumer did not load the moved rules"; exit 1; }
causes=$(env -u RDPTRIAGE_RULES_DIR "$prefix/bin/rdptriage" catalog --json)
grep -q '"network.site_vpn_down"' <<<"$causes" || { echo "FAIL: the moved CLI does not see the added rule file"; exit 1; }
n_cli=$(python3 -c 'import json,sys; print(len(json.load(sys.stdin)))' <<<"$causes")
grep -qF "($n_cli causes)" <<<"$out" || { echo "FAIL: the consumer and the CLI load different rules"; exit 1; }
# The installed JSON Schema describes what the installed CLI prints.
schema="$prefix/share/rdptriage/schema/report.schema.json"
[ -f "$schema" ] || { echo "FAIL: no $schema"; exit 1; }
rc=0
env -u RDPTRIAGE_RULES_DIR "$prefix/bin/rdptriage" diagnose \
  --world "$source_dir/examples/worlds/network.nsg_denies_rdp.json" --json >"$work/report.json" || rc=$?
[ "$rc" -eq 0 ] || { echo "FAIL: the moved CLI exited $rc"; exit 1; }
py=/usr/bin/python3; [ -x "$py" ] || py=python3
"$py" - "$schema" "$work/report.json" <<'PY' || { echo "FAIL: the report does not match the installed schema"; exit 1; }
import json, sys, jsonschema
schema, report = (json.load(open(p)) for p in sys.argv[1:3])
jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(report)
PY
# A plain build without CMake, from the moved package's pkg-config file; it
# is told where the rules are (it was not configured with the package).
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
pc_rules=$(pkg-config --variable=rulesdir rdptriage)
[ "$(cd "$pc_rules" && pwd -P)" = "$(cd "$rules" && pwd -P)" ] || { echo "FAIL: pkg-config rulesdir $pc_rules"; exit 1; }
# shellcheck disable=SC2046
g++ -std=c++20 "$source_dir/examples/consumer/main.cc" $(pkg-config --cflags --libs rdptriage) -o "$work/consumer_pc"
RDPTRIAGE_RULES_DIR="$pc_rules" "$work/consumer_pc" | grep -q "^network.nsg_denies_rdp$" || {
  echo "FAIL: the pkg-config build does not diagnose"; exit 1; }
# With the rules gone, loading fails with one clear error, never other rules.
mv "$rules" "$rules.gone"
if err=$(env -u RDPTRIAGE_RULES_DIR "$work/build/consumer" 2>&1); then
  echo "FAIL: the consumer ran without its rules"; exit 1
fi
grep -q "bundled rules were not found" <<<"$err" || { echo "FAIL: unclear error: $err"; exit 1; }
echo "moved install ok: rules found at $rules; missing rules reported"
