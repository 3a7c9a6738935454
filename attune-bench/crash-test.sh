#!/usr/bin/env bash
# Crash safety (issue 7, docs/reliability.md): clients post event batches over HTTP while the server is killed
# with SIGKILL at random moments and restarted; then every acknowledged event must be stored exactly once.
# Usage: attune-bench/crash-test.sh [sqlite|postgres|all] [output dir, default attune-bench/target/crash-test]
# Environment: SKIP_BUILD=1 uses the jar as built; KILLS (20), THREADS (4), BATCH (500), SEED (7);
#   POSTGRES_URL (jdbc:postgresql://127.0.0.1:5432/test?user=postgres; a fresh schema is made and dropped).
# Exits non-zero when an acknowledged event was lost or duplicated.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mode="${1:-all}"
out="${2:-$root/attune-bench/target/crash-test}"
case "$mode" in sqlite|postgres|all) ;; *) echo "usage: $0 [sqlite|postgres|all] [output dir]" >&2; exit 2;; esac
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
cd "$root"
if [ "${SKIP_BUILD:-0}" != 1 ]; then ./mvnw -B -q -o -pl attune-bench -am package -DskipTests; fi
echo "date: $(date -Iseconds); commit $(git rev-parse --short HEAD 2>/dev/null || echo ?); $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
run() { # sqlite|postgres
  "$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector -cp "$root/attune-bench/target/attune-bench.jar" \
    dev.attune.bench.CrashSafety run --store "$1" --kills "${KILLS:-20}" --threads "${THREADS:-4}" \
    --batch "${BATCH:-500}" --seed "${SEED:-7}" --dir "$out/$1" \
    --postgres "${POSTGRES_URL:-jdbc:postgresql://127.0.0.1:5432/test?user=postgres}" 2> "$out-$1.err.log"
}
mkdir -p "$out"
case "$mode" in
  sqlite) run sqlite ;;
  postgres) run postgres ;;
  all) run sqlite; run postgres ;;
esac
