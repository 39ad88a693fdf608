#!/usr/bin/env bash
# The examples against an installed package, as a user outside the tree
# builds them: examples/ as its own CMake project (the CLI and the minimal
# hosts, with find_package), and examples/makefile with plain make through
# pkg-config. Each must load the package's rules with no source tree around.
set -euo pipefail
build_dir="$1"; source_dir="$2"
# Inside the build tree: the same relative layout every run, so a compiler
# cache with a base directory (ccache's CCACHE_BASEDIR) can serve the builds.
work=$(mktemp -d "$build_dir/package-examples.XXXXXX")
trap 'rm -rf "$work"' EXIT
cmake --install "$build_dir" --prefix "$work/prefix" >/dev/null
prefix="$work/prefix"
rules="$prefix/share/rdptriage/rules"
cmake -S "$source_dir/examples" -B "$work/examples" -DCMAKE_PREFIX_PATH="$prefix" \
      -DCMAKE_BUILD_TYPE=Release >/dev/null
nice cmake --build "$work/examples" -j2 >/dev/null
cd "$work"
# The CLI built outside the tree: not beside share/, it finds the package's
# rules through find_package, and agrees with the installed CLI.
cli="$work/examples/rdptriage"
[ -x "$cli" ] || { echo "FAIL: no CLI built at $cli"; exit 1; }
mine=$(env -u RDPTRIAGE_RULES_DIR "$cli" rules check)
theirs=$(env -u RDPTRIAGE_RULES_DIR "$prefix/bin/rdptriage" rules check)
echo "$mine"
[ "$mine" = "$theirs" ] || { echo "FAIL: the CLI built outside the tree loads other rules: $theirs"; exit 1; }
rc=0
env -u RDPTRIAGE_RULES_DIR "$cli" diagnose --json \
  --world "$source_dir/examples/worlds/network.nsg_denies_rdp.json" >"$work/report.json" || rc=$?
[ "$rc" -eq 0 ] || { echo "FAIL: the CLI built outside the tree exited $rc"; exit 1; }
grep -qE '"cause": ?"network.nsg_denies_rdp"' "$work/report.json" || {
  echo "FAIL: the CLI built outside the tree did not diagnose"; exit 1; }
env -u RDPTRIAGE_RULES_DIR "$work/examples/consumer/consumer" | grep -qF "bundled rules: $rules (" || {
  echo "FAIL: examples/consumer built with examples/ does not load the package's rules"; exit 1; }
# Plain make with pkg-config, in a directory of its own.
mkdir "$work/make"
PKG_CONFIG_PATH="$prefix/lib/pkgconfig" make -s -C "$work/make" \
  -f "$source_dir/examples/makefile/Makefile" SRC="$source_dir/examples/consumer/main.cc" run \
  >"$work/make.out"
cat "$work/make.out"
grep -q "^network.nsg_denies_rdp$" "$work/make.out" || {
  echo "FAIL: the make build does not diagnose"; exit 1; }
# pkg-config imposes no language standard on the program.
if PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --cflags rdptriage | grep -q -- "-std="; then
  echo "FAIL: pkg-config --cflags sets -std"; exit 1
fi
echo "examples ok: CMake project and plain make against the installed package"
