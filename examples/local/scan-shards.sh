#!/bin/sh
# Scan a corpus in N shard processes on one machine, then merge the shards into one ranked file.
#
#   CORPUS=/data/corpus OUT=results N=4 sh examples/local/scan-shards.sh          # xargs -P
#   RUNNER=parallel CORPUS=/data/corpus OUT=results N=4 sh examples/local/scan-shards.sh   # GNU parallel
#
# MODEL (optional) is the model folder (default: the bundled model). Each shard writes
# $OUT/shard-I.jsonl and resumes from it when run again; the merged, ranked result is $OUT/scan.jsonl.
# One engine already uses several threads: N = cores / 2 is a good start on a large machine.
set -eu
: "${CORPUS:?set CORPUS to the folder to scan}"
OUT=${OUT:-results}
N=${N:-4}
RUNNER=${RUNNER:-xargs}
mkdir -p "$OUT"
set -- scan "$CORPUS"
if [ -n "${MODEL:-}" ]; then set -- "$@" --model "$MODEL"; fi

case "$RUNNER" in
  xargs)
    seq 0 $((N - 1)) | xargs -P "$N" -I{} markov-lens "$@" --shard "{}/$N" --output "$OUT/shard-{}.jsonl"
    ;;
  parallel)
    parallel --will-cite --halt now,fail=1 -j "$N" markov-lens "$@" --shard "{}/$N" --output "$OUT/shard-{}.jsonl" ::: $(seq 0 $((N - 1)))
    ;;
  *)
    echo "RUNNER must be xargs or parallel, got $RUNNER" >&2
    exit 2
    ;;
esac

markov-lens merge "$OUT"/shard-*.jsonl --output "$OUT/scan.jsonl"
