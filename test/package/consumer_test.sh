#!/usr/bin/env bash
# Installs the build into a temporary prefix and builds examples/consumer
# against it with find_package(rdptriage), the way a host application would.
set -euo pipefail
build_dir="$1"; source_dir="$2"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build_dir" --prefix "$work/prefix" >/dev/null
cmake -S "$source_dir/examples/consumer" -B "$work/build" \
      -DCMAKE_PREFIX_PATH="$work/prefix" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$work/build" -j2 >/dev/null
# The installed library must find its installed rules without help.
env -u RDPTRIAGE_RULES_DIR "$work/build/consumer"
