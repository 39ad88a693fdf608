#!/usr/bin/env bash
# Installs what is missing, builds, and diagnoses a bundled broken VM: a
# simulated production VM that stopped answering RDP after a security review
# added a deny rule (seed 003's first worked diagnosis). Extra arguments go to
# `rdptriage diagnose` (e.g. --json).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target rdptriage_cli >/dev/null
example=examples/worlds/seed003.nsg_deny_shadows_allow.json
echo "\$ build/bin/rdptriage diagnose --world $example $*" >&2
exec build/bin/rdptriage diagnose --world "$example" "$@"
