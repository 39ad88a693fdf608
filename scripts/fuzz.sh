#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/, clang with ASan and UBSan) and runs
# each for a while; fails when one finds a crash, a timeout or a leak.
#
#   scripts/fuzz.sh                          # every target, 60 s each, two at once
#   scripts/fuzz.sh rules world              # some targets
#   RDPTRIAGE_FUZZ_SECONDS=600 scripts/fuzz.sh   # a longer round
#
# Environment:
#   RDPTRIAGE_FUZZ_SECONDS  seconds per target (default 60)
#   RDPTRIAGE_FUZZ_JOBS     targets run at once (default: the number of cores)
#   RDPTRIAGE_FUZZ_BUILD    build directory (default build-fuzz; one configured
#                           with RDPTRIAGE_FUZZ=ON is built as it is)
#   RDPTRIAGE_FUZZ_MERGE=1  afterwards, add to fuzz/corpus/<target>/ the inputs
#                           of this run that reach code the corpus and the
#                           bundled seeds do not (libFuzzer -merge=1)
#
# Each target starts from its corpus (fuzz/corpus/<target>/ and the bundled
# data fuzz/targets.txt names) and a dictionary written by fuzz/make_dict.py.
# New inputs accumulate in $BUILD/fuzz/work/<target>/, so rounds continue
# where the last one stopped. Logs: $BUILD/fuzz/logs/<target>.log; what
# crashed: $BUILD/fuzz/artifacts/<target>/. Add a crash to the corpus (after
# `rdptriage_fuzz_<target> -minimize_crash=1 -runs=10000 CRASH`) as
# fuzz/corpus/<target>/regression-<what>, so ctest replays it from then on.
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD
seconds=${RDPTRIAGE_FUZZ_SECONDS:-60}
jobs=${RDPTRIAGE_FUZZ_JOBS:-$(nproc)}
build=${RDPTRIAGE_FUZZ_BUILD:-build-fuzz}

scripts/install-deps.sh
# A build directory configured with RDPTRIAGE_FUZZ=ON already (scripts/test.sh
# builds build-asan/ so) is used as it is: configuring it again with other
# options would rebuild everything.
if ! grep -q '^RDPTRIAGE_FUZZ:BOOL=ON$' "$build/CMakeCache.txt" 2>/dev/null; then
  CC=clang CXX=clang++ cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRDPTRIAGE_FUZZ=ON \
    -DRDPTRIAGE_WARNINGS=ON -DRDPTRIAGE_BUILD_TESTS=OFF -DRDPTRIAGE_BUILD_EXAMPLES=OFF \
    -DRDPTRIAGE_BUILD_BENCH=OFF -DRDPTRIAGE_AZURE=OFF -DRDPTRIAGE_INSTALL=OFF >/dev/null
fi

declare -A seeds
all=()
while read -r name dirs; do
  [[ -z "$name" || "$name" == \#* ]] && continue
  all+=("$name")
  seeds[$name]=$dirs
done <fuzz/targets.txt
targets=("$@")
[ "${#targets[@]}" -gt 0 ] || targets=("${all[@]}")
for t in "${targets[@]}"; do
  [ -n "${seeds[$t]+x}" ] || { echo "fuzz.sh: no target $t (see fuzz/targets.txt)" >&2; exit 2; }
done

cmake --build "$build" -j"$(nproc)" --target $(printf 'rdptriage_fuzz_%s ' "${targets[@]}") >/dev/null
out=$build/fuzz
mkdir -p "$out"/{dict,logs,work,artifacts,status}

run_one() {  # target
  local t=$1 dict_args=() inputs=()
  python3 fuzz/make_dict.py "$t" "$out/dict/$t.dict" >/dev/null
  [ -s "$out/dict/$t.dict" ] && dict_args=(-dict="$out/dict/$t.dict")
  for d in ${seeds[$t]}; do inputs+=("$src/$d"); done
  mkdir -p "$out/work/$t" "$out/artifacts/$t"
  local rc=0
  UBSAN_OPTIONS=print_stacktrace=1 "$build/bin/rdptriage_fuzz_$t" \
    -max_total_time="$seconds" -timeout=25 -rss_limit_mb=2048 -max_len=65536 \
    -print_final_stats=1 -artifact_prefix="$out/artifacts/$t/" "${dict_args[@]}" \
    "$out/work/$t" "fuzz/corpus/$t" "${inputs[@]}" >"$out/logs/$t.log" 2>&1 || rc=$?
  echo "$rc" >"$out/status/$t"
}

echo "fuzzing ${#targets[@]} targets, ${seconds} s each, $jobs at once" >&2
start=$(date +%s)
for t in "${targets[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
  run_one "$t" &
done
wait

failed=0
printf '%-16s %8s %10s %8s %8s %8s  %s\n' target seconds execs exec/s cov ft result
for t in "${targets[@]}"; do
  log=$out/logs/$t.log
  rc=$(cat "$out/status/$t")
  done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1 || true)
  [ -n "$done_line" ] || done_line=$(grep -E '^#[0-9]+[[:space:]]+(pulse|NEW|REDUCE|INITED)' "$log" | tail -1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$done_line")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$done_line")
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
  took=$(sed -n 's/.*Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log")
  result=ok
  if [ "$rc" -ne 0 ]; then
    result="FAILED (exit $rc): $(ls "$out/artifacts/$t" | head -1)"
    failed=1
  fi
  printf '%-16s %8s %10s %8s %8s %8s  %s\n' "$t" "${took:-?}" "${execs:-?}" "${rate:-?}" \
    "${cov:-?}" "${ft:-?}" "$result"
done
echo "fuzzing took $(( $(date +%s) - start )) s" >&2

if [ "$failed" -ne 0 ]; then
  for t in "${targets[@]}"; do
    [ "$(cat "$out/status/$t")" -eq 0 ] && continue
    echo "--- $t: $out/logs/$t.log" >&2
    grep -E -A25 '^==[0-9]+==ERROR|runtime error|rdptriage fuzz check failed|ALARM|out-of-memory' \
      "$out/logs/$t.log" | head -40 >&2 || tail -30 "$out/logs/$t.log" >&2
  done
  exit 1
fi

if [ "${RDPTRIAGE_FUZZ_MERGE:-0}" = 1 ]; then
  for t in "${targets[@]}"; do
    # Merge into the corpus and the seeds together, so that only inputs that
    # add coverage beyond both are kept; then copy the new ones over.
    merged=$(mktemp -d)
    cp -r "fuzz/corpus/$t/." "$merged/"
    for d in ${seeds[$t]}; do find "$src/$d" -type f -exec cp {} "$merged/" \; ; done
    before=$(ls "$merged" | sort)
    "$build/bin/rdptriage_fuzz_$t" -merge=1 -timeout=25 -rss_limit_mb=2048 -max_len=65536 \
      "$merged" "$out/work/$t" >"$out/logs/$t.merge.log" 2>&1
    added=0
    for f in $(comm -13 <(echo "$before") <(ls "$merged" | sort)); do
      cp "$merged/$f" "fuzz/corpus/$t/$f"
      added=$((added + 1))
    done
    rm -rf "$merged"
    echo "$t: $added inputs added to fuzz/corpus/$t" >&2
  done
fi
