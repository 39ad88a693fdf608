#!/usr/bin/env bash
# Installs what is missing, builds everything, and runs every test; then the
# same suite under AddressSanitizer and UBSan, the concurrency tests under
# ThreadSanitizer, and a short run of every fuzz target. Prints how long
# each stage took. `.ci/run` runs this.
#
#   scripts/test.sh                               # every stage
#   RDPTRIAGE_TEST_STAGES="tests" scripts/test.sh # only the build and tests
#
# Stages (RDPTRIAGE_TEST_STAGES, default all of them):
#   tests  build/ (gcc, warnings are errors), the whole ctest (the fuzz
#          corpus is replayed there too, without libFuzzer)
#   asan   build-asan/ (clang, -DRDPTRIAGE_SANITIZE=ON, and with the fuzz
#          stage -DRDPTRIAGE_FUZZ=ON: the fuzz targets too), the whole ctest
#   tsan   build-tsan/ (-DRDPTRIAGE_TSAN=ON), the engine tests: concurrent
#          evaluations, the probe pool, hung adapters, cancellation
#   fuzz   scripts/fuzz.sh: every fuzz target for RDPTRIAGE_FUZZ_SECONDS
#          (default 30 here), two at once, from build-asan/ (build-fuzz/
#          without the asan stage); fails on a crash
#
# Budget: .ci/run must end within 45 minutes on a 2-core machine. Two
# choices keep it there. The ASan+UBSan build uses clang: gcc's
# -fsanitize=undefined triples its compile time (lib/engine/planner.cc:
# 8.8 s CPU plain, 26.7 s with gcc's UBSan, 6.5 s with clang's ASan+UBSan),
# and clang's UBSan checks float-cast-overflow too. The fuzz round is 30 s
# a target (eight targets, two at once: 2 minutes); the corpus replay in
# the tests stage and a longer round (RDPTRIAGE_FUZZ_SECONDS=600
# scripts/fuzz.sh) do the rest.
set -euo pipefail
cd "$(dirname "$0")/.."
stages=${RDPTRIAGE_TEST_STAGES:-tests asan tsan fuzz}
jobs=$(nproc)
durations=()
script_start=$(date +%s)

# Sets cpu_now to the CPU seconds (user + system) of this shell's finished
# children so far. Not called as $(...): `times` must run in this shell, as
# a subshell has no children of its own yet.
cpu_now=0
read_children_cpu() {
  local f
  f=$(mktemp)
  times >"$f"
  cpu_now=$(awk 'NR == 2 { s = 0; for (i = 1; i <= 2; i++) { split($i, a, "m");
                sub("s", "", a[2]); s += a[1] * 60 + a[2] } printf "%d", s }' "$f")
  rm -f "$f"
}

# Prints each stage's wall time and the CPU time its processes used: on a
# shared machine the wall time grows with the load, while the CPU time
# divided by the cores (for the parallel stages) is what an idle machine
# would take.
run_stage() {  # name, command...
  local name=$1 start cpu_start rc=0
  shift
  echo "=== $name" >&2
  start=$(date +%s)
  read_children_cpu
  cpu_start=$cpu_now
  "$@" || rc=$?
  read_children_cpu
  local took=$(($(date +%s) - start)) cpu=$((cpu_now - cpu_start))
  durations+=("$(printf '%-22s %5d s wall %6d s CPU' "$name" "$took" "$cpu")")
  echo "=== $name: $took s wall, $cpu s CPU$([ "$rc" -eq 0 ] || echo ", FAILED (exit $rc)")" >&2
  if [ "$rc" -ne 0 ]; then
    summary
    exit "$rc"
  fi
}

summary() {
  echo "--- stage durations ($(nproc) cores; load now: $(cut -d' ' -f1-3 /proc/loadavg))" >&2
  printf '%s\n' "${durations[@]}" >&2
  echo "total                  $(($(date +%s) - script_start)) s wall" >&2
}

wants() { [[ " $stages " == *" $1 "* ]]; }

configure_and_build() {  # dir, cmake options..., -- targets...
  local dir=$1 options=() targets=()
  shift
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do options+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  targets=("$@")
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRDPTRIAGE_WARNINGS=ON "${options[@]}" \
    >/dev/null
  if [ "${#targets[@]}" -gt 0 ]; then
    cmake --build "$dir" -j"$jobs" --target "${targets[@]}"
  else
    cmake --build "$dir" -j"$jobs"
  fi
}

run_stage "install dependencies" scripts/install-deps.sh

# One compiler cache (.ccache/, ignored by git) for every build here and for
# the tests that build the library again in a consumer project
# (package.consumer_add_subdirectory, package.examples_against_install): a
# first run fills it and every later run on this checkout is served from
# it. A caller's own CMAKE_CXX_COMPILER_LAUNCHER or CCACHE_DIR wins.
if command -v ccache >/dev/null; then
  export CMAKE_CXX_COMPILER_LAUNCHER=${CMAKE_CXX_COMPILER_LAUNCHER:-ccache}
  export CMAKE_C_COMPILER_LAUNCHER=${CMAKE_C_COMPILER_LAUNCHER:-ccache}
  export CCACHE_DIR=${CCACHE_DIR:-$PWD/.ccache} CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD}
  export CCACHE_NOHASHDIR=1 CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G}
fi

if wants tests; then
  run_stage "build" configure_and_build build
  run_stage "tests" ctest --test-dir build --output-on-failure -j"$jobs"
fi

if wants asan; then
  # halt_on_error: a report fails the test; detect_leaks stays on.
  export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:abort_on_error=1:detect_stack_use_after_return=1}
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
  # A build-asan/ configured with gcc before keeps gcc: start it again.
  if [ -f build-asan/CMakeCache.txt ] && ! grep -q '^CMAKE_CXX_COMPILER:.*clang' build-asan/CMakeCache.txt; then
    rm -rf build-asan
  fi
  # The fuzz targets are built here too (RDPTRIAGE_FUZZ adds libFuzzer's
  # coverage to the same ASan+UBSan objects), so the fuzz stage compiles
  # nothing again.
  fuzz_option=()
  wants fuzz && fuzz_option=(-DRDPTRIAGE_FUZZ=ON)
  CC=clang CXX=clang++ run_stage "asan+ubsan build" configure_and_build build-asan \
    -DRDPTRIAGE_SANITIZE=ON "${fuzz_option[@]}" -DRDPTRIAGE_BUILD_BENCH=OFF
  run_stage "asan+ubsan tests" ctest --test-dir build-asan --output-on-failure -j"$jobs"
fi

if wants tsan; then
  export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}
  run_stage "tsan build" configure_and_build build-tsan -DRDPTRIAGE_TSAN=ON \
    -DRDPTRIAGE_BUILD_BENCH=OFF -DRDPTRIAGE_BUILD_EXAMPLES=OFF -DRDPTRIAGE_AZURE=OFF \
    -DRDPTRIAGE_INSTALL=OFF -- rdptriage_engine_test
  # setarch -R: the sanitizer runtime of gcc 12 cannot map its shadow memory
  # under the address randomization of recent kernels.
  run_stage "tsan tests" env RDPTRIAGE_RULES_DIR="$PWD/rules" \
    setarch "$(uname -m)" -R build-tsan/bin/rdptriage_engine_test
fi

if wants fuzz; then
  fuzz_build=build-fuzz
  wants asan && fuzz_build=build-asan
  run_stage "fuzz" env RDPTRIAGE_FUZZ_SECONDS="${RDPTRIAGE_FUZZ_SECONDS:-30}" \
    RDPTRIAGE_FUZZ_BUILD="$fuzz_build" scripts/fuzz.sh
fi

summary
