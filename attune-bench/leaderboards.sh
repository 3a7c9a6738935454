#!/usr/bin/env bash
# Imports the shared data sets and runs the classic-model leaderboards recorded in docs/benchmarks.md.
# Usage: attune-bench/leaderboards.sh [data dir, default ../shared/data] [output dir, default target/leaderboards]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data="${1:-$root/../shared/data}"
out="${2:-$root/target/leaderboards}"
if [ ! -d "$data" ]; then echo "shared data not found at $data: nothing to run" >&2; exit 0; fi
mkdir -p "$out"
cd "$root"
export ATTUNE_JAVA_OPTS="${ATTUNE_JAVA_OPTS:--Xmx14g}"

run() { # name format input protocol [extra evaluate args...]
  local name="$1" format="$2" input="$3" protocol="$4"; shift 4
  if [ ! -f "$out/$name/dataset.json" ]; then
    ./attune import --format "$format" --input "$data/$input" --out "$out/$name" > "$out/$name.import.txt"
  fi
  ./attune evaluate --data "$out/$name" --protocol "$protocol" --json "$out/$name.json" --quiet "$@" | tee "$out/$name.txt"
}

run ml-100k movielens-100k movielens-100k loo
run s3rec-beauty s3rec s3rec-sequential/Beauty.txt loo
run s3rec-lastfm s3rec s3rec-sequential/LastFM.txt loo
run lastfm-hetrec lastfm-hetrec lastfm-hetrec2011-2k random:0.2
run ml-1m-implicit ml1m-implicit movielens-1m/implicit_colakg given --param ease.regularization=500 --param als.iterations=10
