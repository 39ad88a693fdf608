#!/usr/bin/env bash
# Embedding by add_subdirectory() (FetchContent does the same): a host
# project adds the rdptriage source tree and builds examples/consumer in its
# own build directory, where no program sits beside rdptriage's share/ and no
# package config records where the rules are. Triage::create({}) must still
# load the bundled rules (this build tree's copy), with RDPTRIAGE_RULES_DIR
# unset and run from elsewhere; and with that copy gone, fail clearly.
set -euo pipefail
source_dir="$1"; build_dir="$2"; build_type="${3:-RelWithDebInfo}"; warnings="${4:-OFF}"
# Inside the calling build tree, at the same depth every run, with the same
# flags: a compiler cache with a base directory (ccache's CCACHE_BASEDIR)
# serves every run after the first.
work=$(mktemp -d "$build_dir/package-subdirectory.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir "$work/host"
cat >"$work/host/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.25)
project(host LANGUAGES CXX)
add_subdirectory(${RDPTRIAGE_SOURCE} rdptriage)
if(NOT rdptriage_RULES_DIR)
  message(FATAL_ERROR "rdptriage_RULES_DIR is not set by add_subdirectory: '${rdptriage_RULES_DIR}'")
endif()
add_subdirectory(${RDPTRIAGE_SOURCE}/examples/consumer consumer)
CMAKE
cmake -S "$work/host" -B "$work/build" -DRDPTRIAGE_SOURCE="$source_dir" \
      -DCMAKE_BUILD_TYPE="$build_type" -DRDPTRIAGE_WARNINGS="$warnings" -DRDPTRIAGE_AZURE=OFF \
      >/dev/null
nice cmake --build "$work/build" -j2 --target consumer >/dev/null
rules="$work/build/rdptriage/share/rdptriage/rules"
[ -d "$rules" ] || { echo "FAIL: building the consumer did not put the rules at $rules"; exit 1; }
cd "$work"  # not beside share/, not the source tree
out=$(env -u RDPTRIAGE_RULES_DIR "$work/build/consumer/consumer")
echo "$out"
grep -qF "bundled rules: $rules (" <<<"$out" || {
  echo "FAIL: the embedded consumer did not load its build tree's rules"; exit 1; }
grep -q "^network.nsg_denies_rdp$" <<<"$out" || { echo "FAIL: no diagnosis"; exit 1; }
# Nothing else is used: without that copy, one clear error.
mv "$rules" "$rules.gone"
if err=$(env -u RDPTRIAGE_RULES_DIR "$work/build/consumer/consumer" 2>&1); then
  echo "FAIL: the consumer ran without its rules"; exit 1
fi
grep -q "bundled rules were not found" <<<"$err" || { echo "FAIL: unclear error: $err"; exit 1; }
echo "add_subdirectory ok: rules found at $rules; missing rules reported"
