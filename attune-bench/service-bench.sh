#!/usr/bin/env bash
# The service benchmark of issue 6 (docs/benchmarks.md, "Service (issue 6)"):
#   1. ingestion over HTTP (POST /v1/events, batches of 500) into SQLite and/or PostgreSQL, and the store-only rate;
#   2. GET /v1/users/{id}/recommendations?k=10 under wrk: 100k items, 100k users with 20 events, random SASRec;
#   3. read-your-writes: POST of a play event -> the first GET that no longer lists the played item.
# Usage: attune-bench/service-bench.sh [sqlite|postgres|all|serve|hot-swap|ingest-wrk|experiment] [output dir, default attune-bench/target/service-bench]
#   sqlite   = 1 on SQLite, then 2 and 3 (on SQLite);  postgres = 1 on PostgreSQL;  all = both (default);
#   serve    = 2 and 3 only;  hot-swap = 2 while the model is switched every second (issue 7);
#   ingest-wrk = 1 into SQLite with wrk as the client, outside the server's JVM (INGEST_WRK_ARGS, default -t2 -c4 -d30s);
#   experiment = 2 in rounds without and with an A/B experiment running (EXPERIMENT_WRK_ARGS, default -t2 -c32 -d20s;
#     EXPERIMENT_ARMS=aa for an experiment whose two arms both serve the active version).
# Environment: SKIP_BUILD=1 uses the jar as built; THREADS (4), EVENTS (1000000) for 1; WRK_ARGS ("-t2 -c32 -d30s");
#   RYW_TRIALS (1000 per path) for 3;
#   POSTGRES_URL (jdbc:postgresql://127.0.0.1:5432/test?user=postgres; a fresh schema is made and dropped);
#   SERVE_JAVA_OPTS (default -XX:+UseZGC), e.g. add -XX:StartFlightRecording=filename=/tmp/serve.jfr to profile
#   the server under wrk.
# Data lives under the output dir (never in the repository); the 100k x 100k store is generated once and reused.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mode="${1:-all}"
out="${2:-$root/attune-bench/target/service-bench}"
case "$mode" in sqlite|postgres|all|serve|hot-swap|ingest-wrk|experiment) ;;
  *) echo "usage: $0 [sqlite|postgres|all|serve|hot-swap|ingest-wrk|experiment] [output dir]" >&2; exit 2;; esac
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
cd "$root"
if [ "${SKIP_BUILD:-0}" != 1 ]; then ./mvnw -B -q -o -pl attune-bench -am package -DskipTests; fi
command -v wrk > /dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
mkdir -p "$out"

bench=("$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector -Xmx4g
  -cp "$root/attune-bench/target/attune-bench.jar" dev.attune.bench.ServiceBenchmark)
load() { echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) ($1)"; }
# CPU seconds (user + system) a process has used; with the request count this gives the server's CPU per
# request, which other work on the machine changes far less than it changes requests per second.
cpu_seconds() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$1/stat"; }
# wrk's summary line with the server CPU used while it ran: wrk_cpu <server pid> <wrk args...>
wrk_cpu() {
  local pid="$1" before after summary requests; shift
  before="$(cpu_seconds "$pid")"
  summary="$(wrk "$@")"
  after="$(cpu_seconds "$pid")"
  echo "$summary"
  requests="$(echo "$summary" | sed -n 's/^summary: .*, \([0-9]*\) \(requests\|batches\),.*/\1/p')"
  awk -v b="$before" -v a="$after" -v n="$requests" \
    'BEGIN { if (n > 0) printf "server CPU: %.1f s for %d requests = %.3f ms per request\n", a - b, n, 1000 * (a - b) / n }'
}
echo "date: $(date -Iseconds); commit $(git rev-parse --short HEAD 2>/dev/null || echo ?)$(git diff --quiet 2>/dev/null || echo ' + local changes')"

ingest() { # sqlite|postgres
  load "before ingestion into $1"
  "${bench[@]}" ingest --store "$1" --threads "${THREADS:-4}" --events "${EVENTS:-1000000}" --dir "$out/ingest" \
    --postgres "${POSTGRES_URL:-jdbc:postgresql://127.0.0.1:5432/test?user=postgres}" 2> "$out/ingest-$1.log"
  load "after ingestion into $1"
}

start_server() { # sets server (pid) and url
  local dir="$out/recommend"
  rm -f "$dir/port"
  # ZGC, as `attune serve` runs: short pauses keep the latency tail down (p99 42 -> 18 ms at -c16)
  # shellcheck disable=SC2086
  "$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector -Xmx4g ${SERVE_JAVA_OPTS:--XX:+UseZGC} \
    -cp "$root/attune-bench/target/attune-bench.jar" dev.attune.bench.ServiceBenchmark serve --dir "$dir" \
    > "$out/serve.log" 2>&1 &
  server=$!
  trap 'kill "$server" 2> /dev/null || true' EXIT
  until [ -s "$dir/port" ]; do
    kill -0 "$server" 2> /dev/null || { cat "$out/serve.log" >&2; exit 1; }
    sleep 1
  done
  # The server fits its classic fallback model in the background after it starts; wrk waits for it.
  until grep -qE 'fallback model .* (fitted|could not)' "$out/serve.log"; do
    kill -0 "$server" 2> /dev/null || { cat "$out/serve.log" >&2; exit 1; }
    sleep 1
  done
  grep -E '^(data|server):|fallback model' "$out/serve.log" | sed 's/^\[[^]]*\] //'
  url="http://127.0.0.1:$(cat "$dir/port")"
}

stop_server() {
  kill "$server"
  wait "$server" || true
  trap - EXIT
}

# Ingestion with an outside client: the server alone in its JVM (an empty SQLite store, ZGC) and wrk posting
# batches of 500 events built by wrk/events.lua, each with a unique id; then every acknowledged event is counted.
ingest_wrk() {
  local dir="$out/ingest-wrk" lua="$root/attune-bench/wrk/events.lua" server url warm timed stored
  mkdir -p "$dir"
  rm -f "$dir"/store.db* "$dir/port"
  "$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector -Xmx4g ${SERVE_JAVA_OPTS:--XX:+UseZGC} \
    -cp "$root/attune-bench/target/attune-bench.jar" dev.attune.bench.CrashSafety server \
    --url "jdbc:sqlite:$dir/store.db" --port-file "$dir/port" > "$out/ingest-wrk-server.log" 2>&1 &
  server=$!
  trap 'kill "$server" 2> /dev/null || true' EXIT
  until [ -s "$dir/port" ]; do
    kill -0 "$server" 2> /dev/null || { cat "$out/ingest-wrk-server.log" >&2; exit 1; }
    sleep 1
  done
  url="http://127.0.0.1:$(cat "$dir/port")"
  warm="$(wrk -t2 -c4 -d10s -s "$lua" "$url" -- 500 w | grep '^summary')"
  echo "warm-up (10 s, not recorded) $warm"
  load "before ingestion with wrk"
  echo "wrk ${INGEST_WRK_ARGS:--t2 -c4 -d30s}, POST /v1/events, batches of 500:"
  # shellcheck disable=SC2086
  timed="$(wrk_cpu "$server" ${INGEST_WRK_ARGS:--t2 -c4 -d30s} -s "$lua" "$url" -- 500 t)"
  echo "$timed" | grep -E '^summary|^server CPU' | sed 's/requests = \(.*\) ms per request/batches = \1 ms per batch/'
  load "after ingestion with wrk"
  stop_server
  stored="$(sqlite3 "$dir/store.db" 'SELECT count(*) FROM events')"
  local sent=$(( ($(echo "$warm" | sed -n 's/.*, \([0-9]*\) batches,.*/\1/p') \
    + $(echo "$timed" | sed -n 's/^summary: .*, \([0-9]*\) batches,.*/\1/p')) * 500 ))
  # wrk stops counting at the deadline while the batches in flight still commit: at most one per connection
  local extra=$((stored - sent))
  echo "check: $sent events acknowledged by 200 answers and counted by wrk, $stored stored ($extra more, from batches"\
    "in flight when wrk stopped)$([ "$extra" -ge 0 ] && [ "$extra" -le 16000 ] && echo ' - consistent' || echo ' - INCONSISTENT')"
}

recommend() {
  local lua="$root/attune-bench/wrk/recommendations.lua"
  start_server
  echo "sample: $(curl -s "$url/v1/users/u000001/recommendations?k=3" | head -c 300)"
  # shellcheck disable=SC2086
  wrk -t2 -c32 -d10s -s "$lua" "$url" -- 100000 | grep '^summary' | sed 's/^/warm-up (10 s, not recorded) /'
  load "before wrk"
  echo "wrk ${WRK_ARGS:--t2 -c32 -d30s} --latency, GET /v1/users/{random id}/recommendations?k=10:"
  # shellcheck disable=SC2086
  wrk_cpu "$server" ${WRK_ARGS:--t2 -c32 -d30s} --latency -s "$lua" "$url" -- 100000
  load "after wrk"
  echo "the same with explain=true:"
  # shellcheck disable=SC2086
  wrk_cpu "$server" ${WRK_ARGS:--t2 -c32 -d30s} --latency -s "$lua" "$url" -- 100000 explain=true \
    | grep -E '^summary|Latency  |^server CPU'
  load "before read-your-writes"
  "${bench[@]}" read-your-writes --url "$url" --trials "${RYW_TRIALS:-1000}" 2> "$out/read-your-writes.log"
  load "after read-your-writes"
  stop_server
}

# Hot swap under load: wrk drives recommendations while the served model is switched every second between two
# versions (POST /v1/admin/models/{model,model-b}/activate); reports failed requests and the latency beside a
# run without swaps.
hot_swap() {
  local lua="$root/attune-bench/wrk/recommendations.lua" swaps=0 failed=0 version
  start_server
  wrk -t2 -c32 -d10s -s "$lua" "$url" -- 100000 | grep '^summary' | sed 's/^/warm-up (10 s, not recorded) /'
  load "before wrk without swaps"
  echo "without swaps, wrk ${WRK_ARGS:--t2 -c32 -d30s}:"
  # shellcheck disable=SC2086
  wrk ${WRK_ARGS:--t2 -c32 -d30s} --latency -s "$lua" "$url" -- 100000 | grep -E '^summary'
  load "before wrk with swaps"
  # shellcheck disable=SC2086
  wrk ${WRK_ARGS:--t2 -c32 -d30s} --latency -s "$lua" "$url" -- 100000 > "$out/hot-swap-wrk.log" &
  local wrk_pid=$!
  sleep 2
  while kill -0 "$wrk_pid" 2> /dev/null; do
    version=$([ $((swaps % 2)) = 0 ] && echo model-b || echo model)
    code=$(curl -s -o "$out/hot-swap-last.json" -w '%{http_code}' -X POST \
      -H "Authorization: Bearer service-bench-admin-key" "$url/v1/admin/models/$version/activate")
    if [ "$code" = 200 ]; then swaps=$((swaps + 1)); else failed=$((failed + 1)); cat "$out/hot-swap-last.json" >&2; fi
    sleep 1
  done
  wait "$wrk_pid" || true
  echo "with a model swap every second ($swaps swaps answered 200, $failed refused):"
  grep -E '^summary' "$out/hot-swap-wrk.log"
  load "after wrk with swaps"
  stop_server
}

# A/B experiment overhead: wrk drives recommendations in rounds without and with an experiment running (the served
# version against model-b, half of the users each), interleaved so that other load on the machine falls on both;
# after each experiment round, the exposures stored are checked against the answers wrk counted.
experiment() {
  local lua="$root/attune-bench/wrk/recommendations.lua" round id summary answered stored
  local auth="Authorization: Bearer service-bench-admin-key" db="$out/recommend/run/store.db"
  # EXPERIMENT_ARMS=aa: both arms serve the active version, which leaves the experiment's own cost (assignment,
  # exposures) without that of a second model
  local arm_b; arm_b="$([ "${EXPERIMENT_ARMS:-ab}" = aa ] && echo active || echo model-b)"
  echo "experiment arms: control = active (model), b = $arm_b"
  start_server
  wrk -t2 -c32 -d10s -s "$lua" "$url" -- 100000 | grep '^summary' | sed 's/^/warm-up (10 s, not recorded) /'
  for round in 1 2 3; do
    load "round $round, before wrk without an experiment"
    echo "round $round without an experiment, wrk ${EXPERIMENT_WRK_ARGS:--t2 -c32 -d20s}:"
    # shellcheck disable=SC2086
    wrk_cpu "$server" ${EXPERIMENT_WRK_ARGS:--t2 -c32 -d20s} --latency -s "$lua" "$url" -- 100000 \
      | grep -E '^summary|^server CPU'
    id="bench-$round-$(date +%s)"
    curl -sf -X POST -H "$auth" -H 'Content-Type: application/json' "$url/v1/admin/experiments" -d \
      "{\"id\":\"$id\",\"name\":\"overhead\",\"arms\":[{\"name\":\"control\",\"version\":\"active\"},{\"name\":\"b\",\"version\":\"$arm_b\"}]}" \
      > /dev/null
    load "round $round, before wrk with experiment $id"
    echo "round $round with experiment $id running:"
    # shellcheck disable=SC2086
    summary="$(wrk_cpu "$server" ${EXPERIMENT_WRK_ARGS:--t2 -c32 -d20s} --latency -s "$lua" "$url" -- 100000)"
    echo "$summary" | grep -E '^summary|^server CPU'
    curl -sf -X POST -H "$auth" "$url/v1/admin/experiments/$id/stop" > "$out/experiment-$round.json"
    answered="$(echo "$summary" | sed -n 's/^summary: .*, \([0-9]*\) requests,.*/\1/p')"
    stored="$(sqlite3 "$db" "SELECT count(*) FROM exposures WHERE experiment_id = '$id'")"
    echo "check: $answered answers counted by wrk, $stored exposures stored (answers in flight when wrk stopped are"\
      "stored too)$([ "$stored" -ge "$answered" ] && [ "$stored" -le $((answered + 64)) ] && echo ' - consistent' \
      || echo ' - INCONSISTENT')"
    echo "results: $(python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"]; print("users", [a["users"] for a in r["arms"]], "sample ratio p", r["sampleRatio"]["pValue"])' "$out/experiment-$round.json")"
  done
  load "after the rounds"
  stop_server
}

case "$mode" in
  sqlite) ingest sqlite; recommend ;;
  experiment) experiment ;;
  serve) recommend ;;
  hot-swap) hot_swap ;;
  ingest-wrk) ingest_wrk ;;
  postgres) ingest postgres ;;
  all) ingest sqlite; ingest postgres; recommend ;;
esac
