#!/usr/bin/env bash
# Runs the cargo-fuzz targets of fuzz/ for a bounded time each.
#
#   fuzz/run.sh [seconds-per-target] [targets...]
#
#   seconds-per-target  how long libFuzzer runs each target (default 60)
#   targets             any of: jsonrpc event_id request_state headers jwt http_request
#                       (default: all of them, in that order)
#
# Examples:  fuzz/run.sh            every target, 60 s each
#            fuzz/run.sh 300 jwt    the jwt target for 5 minutes
#
# cargo-fuzz is installed into .tools/cargo-fuzz (git-ignored) when missing. It needs nightly
# compiler flags; they are enabled on the stable toolchain with RUSTC_BOOTSTRAP=1. The address
# sanitizer works there (FUZZ_SANITIZER=none switches it off; any cargo-fuzz --sanitizer value
# is accepted). Builds go to fuzz/target, away from the workspace's target/.
#
# Each target starts from a fresh corpus, fuzz/corpus/<target>, holding only the seeds of
# fuzz/seeds/<target>; libFuzzer runs with -rss_limit_mb=2048 and -timeout=10 (an input taking
# over 10 s is a hang, and a crash). Output: one line per target,
#
#   <target>: <runs> runs, ok
#   <target>: CRASH <artifact path>
#
# and the exit status is non-zero if any target crashed (or did not build). The full libFuzzer
# output of a target is in fuzz/target/run-logs/<target>.log.
#
# After a crash: reproduce with
#   RUSTC_BOOTSTRAP=1 .tools/cargo-fuzz/bin/cargo-fuzz run --fuzz-dir fuzz <target> <artifact>
# minimize with `cargo-fuzz tmin --fuzz-dir fuzz <target> <artifact>`, then keep the input
# as a regression test in services/mcp-server/tests/fuzz_regressions/<target>/ (replayed by
# `cargo test -p mcp-server --test it fuzz_regressions`), and fix the bug.

set -euo pipefail

ALL_TARGETS=(jsonrpc event_id request_state headers jwt http_request)

seconds="${1:-60}"
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -eq 0 ]; then
    echo "usage: fuzz/run.sh [seconds-per-target] [targets...]" >&2
    exit 2
fi
shift $(($# > 0 ? 1 : 0))
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=("${ALL_TARGETS[@]}")
fi
for target in "${targets[@]}"; do
    if [ ! -f "$(dirname "$0")/fuzz_targets/$target.rs" ]; then
        echo "unknown target: $target (known: ${ALL_TARGETS[*]})" >&2
        exit 2
    fi
done

fuzz_dir="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$fuzz_dir")"
cd "$root"

tools="$root/.tools/cargo-fuzz"
cargo_fuzz="$tools/bin/cargo-fuzz"
if [ ! -x "$cargo_fuzz" ]; then
    echo "installing cargo-fuzz into $tools" >&2
    cargo install cargo-fuzz --locked --root "$tools" >&2
fi

export RUSTC_BOOTSTRAP=1
sanitizer="${FUZZ_SANITIZER:-address}"
logs="$fuzz_dir/target/run-logs"
mkdir -p "$logs"

failed=0
for target in "${targets[@]}"; do
    log="$logs/$target.log"
    if ! "$cargo_fuzz" build --fuzz-dir fuzz --sanitizer "$sanitizer" "$target" >"$log" 2>&1; then
        echo "$target: BUILD FAILED (see $log)"
        failed=1
        continue
    fi
    corpus="$fuzz_dir/corpus/$target"
    rm -rf "$corpus"
    mkdir -p "$corpus"
    cp "$fuzz_dir/seeds/$target"/* "$corpus"/
    status=0
    "$cargo_fuzz" run --fuzz-dir fuzz --sanitizer "$sanitizer" "$target" "$corpus" -- \
        -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
        >>"$log" 2>&1 || status=$?
    artifact="$(sed -n 's/.*Test unit written to \([^ ]*\).*/\1/p' "$log" | tail -n 1)"
    runs="$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -n 1)"
    if [ "$status" -eq 0 ] && [ -z "$artifact" ]; then
        echo "$target: ${runs:-?} runs, ok"
    else
        echo "$target: CRASH ${artifact:-(no artifact written; exit status $status, see $log)}"
        failed=1
    fi
done
exit "$failed"
