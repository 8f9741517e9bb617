#!/usr/bin/env bash
# Runs tests while the CPU is saturated, to catch tests that only pass on an idle machine
# (fixed sleeps, tight timeouts, keep-alive races). `npm run under-load [-- <jest args>]`,
# default: the e2e suite (packages/e2e-tests). Load: stress-ng --cpu N when installed, else N
# node busy-loop workers; N = KPAAS_LOAD_WORKERS (default: the number of cores). The workers
# stop when the tests end (and after KPAAS_LOAD_MAX_MINUTES, default 120, whatever happens).
# Before the tests start, each worker is checked to be burning CPU; KPAAS_LOAD_CHECK_ONLY=1
# stops after that check (the script's own test).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/env.sh
source "$ROOT/scripts/env.sh"

workers="${KPAAS_LOAD_WORKERS:-$(nproc)}"
max_seconds=$(( ${KPAAS_LOAD_MAX_MINUTES:-120} * 60 ))
args=("$@")
[ ${#args[@]} -gt 0 ] || args=(packages/e2e-tests)

if [ "${KPAAS_DRY_RUN:-}" = "1" ]; then
  echo "kpaas (dry run): $workers CPU load workers, then node scripts/run-tests.js ${args[*]}"
  exit 0
fi

pids=()
stop_load() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait "${pids[@]}" 2>/dev/null || true
}
trap stop_load EXIT INT TERM

if command -v stress-ng >/dev/null 2>&1; then
  stress-ng --cpu "$workers" --timeout "${max_seconds}s" --quiet &
  pids+=($!)
  echo "kpaas: CPU load: stress-ng --cpu $workers"
else
  for _ in $(seq 1 "$workers"); do
    node -e "const end = Date.now() + ${max_seconds}000; while (Date.now() < end) {}" &
    pids+=($!)
  done
  echo "kpaas: CPU load: $workers node busy-loop workers (stress-ng not installed)"
fi

# Every load worker must really burn a core before the tests start: CPU time of each worker
# (or stress-ng's workers) over 2 s, from /proc/<pid>/stat (utime + stime, in clock ticks).
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
busy_pids=()
for pid in "${pids[@]}"; do
  children=$(pgrep -P "$pid" || true)
  if [ -n "$children" ]; then busy_pids+=($children); else busy_pids+=("$pid"); fi
done
sleep 1 # let them start
declare -A before
for pid in "${busy_pids[@]}"; do before[$pid]=$(cpu_ticks "$pid"); done
sleep 2
busy=0
hz=$(getconf CLK_TCK)
for pid in "${busy_pids[@]}"; do
  used=$(( $(cpu_ticks "$pid") - ${before[$pid]} ))
  # running, not waiting: CPU time in the window, however busy the machine's other work keeps
  # the cores (a waiting or stopped process gets none; 2 % of a core is counted as running)
  [ "$used" -ge $(( hz / 25 )) ] && busy=$(( busy + 1 ))
done
echo "kpaas: CPU load check: $busy of $workers workers busy (load average $(cut -d' ' -f1-3 /proc/loadavg))"
if [ "$busy" -lt "$workers" ]; then
  echo "kpaas: the CPU load did not start; not running the tests" >&2
  exit 1
fi
if [ "${KPAAS_LOAD_CHECK_ONLY:-}" = "1" ]; then exit 0; fi

started=$(date +%s)
status=0
node "$ROOT/scripts/run-tests.js" "${args[@]}" || status=$?
echo "kpaas: tests under CPU load ($workers workers) took $(( $(date +%s) - started )) s, exit $status"
exit "$status"
