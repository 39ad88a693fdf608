#!/usr/bin/env bash
# The Azure adapter as an installed component: examples/consumer_azure builds
# with find_package(rdptriage COMPONENTS azure) and finds the installed Run
# Command script; examples/consumer, without the component, links no libcurl.
set -euo pipefail
build_dir="$1"; source_dir="$2"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build_dir" --prefix "$work/prefix" >/dev/null
prefix="$work/prefix"
[ -f "$prefix/share/rdptriage/rules/run_command/guest_facts.ps1" ] ||
  { echo "FAIL: the Run Command script was not installed with the rules"; exit 1; }
[ -f "$prefix/include/rdptriage/azure.h" ] || { echo "FAIL: azure.h not installed"; exit 1; }
cmake -S "$source_dir/examples/consumer_azure" -B "$work/azure" \
      -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$work/azure" -j2 >/dev/null
cd "$work"
env -u RDPTRIAGE_RULES_DIR -u AZURE_CLIENT_SECRET "$work/azure/consumer_azure"
cmake -S "$source_dir/examples/consumer" -B "$work/plain" \
      -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$work/plain" -j2 >/dev/null
if ldd "$work/plain/consumer" | grep -q libcurl; then
  echo "FAIL: a host without the azure component links libcurl"; exit 1
fi
ldd "$work/azure/consumer_azure" | grep -q libcurl ||
  { echo "FAIL: the azure consumer does not link libcurl"; exit 1; }
echo "component ok: rdptriage::azure found and linked only when asked for"
