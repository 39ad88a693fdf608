#!/usr/bin/env bash
# The library is silent: it must not print, abort or exit by itself. Scans
# the undefined symbols of the static library for stdio/iostream output and
# process termination (as simdjson does for its library).
set -euo pipefail
lib="$1"
bad='^(printf|vprintf|fprintf|vfprintf|puts|fputs|putchar|perror|abort|exit|_exit|quick_exit|__assert_fail|std::cout|std::cerr|std::clog|std::wcout|std::wcerr)$'
found=$(nm -C --undefined-only "$lib" 2>/dev/null | awk '{print $NF}' | sort -u | grep -E "$bad" || true)
if [ -n "$found" ]; then
  echo "librdptriage references symbols a silent library must not use:"
  echo "$found"
  exit 1
fi
echo "no printing, abort or exit symbols in $(basename "$lib")"
