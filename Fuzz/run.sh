#!/usr/bin/env bash
# Builds the libFuzzer targets (`swift build --sanitize=fuzzer`) and runs each one for a fixed
# time against a copy of its committed seed corpus, one at a time.
#
#   bash Fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]     (default 20 s, every target)
#
# Prints the executions each target ran (libFuzzer's "Done N runs") and exits non-zero if any
# target crashed, naming the input that did it. Crash inputs and the grown corpora go to a
# temporary directory, never into the repository. Extra libFuzzer flags: FUZZ_FLAGS="-jobs=1 …".
# FUZZ_BUILD_ONLY=1 builds and stops.
set -euo pipefail

seconds="${1:-20}"
shift $(( $# > 0 ? 1 : 0 ))
cd "$(dirname "$0")"

all_targets=(FuzzHTTPDate FuzzRangeHeader FuzzAuthorizationHeader FuzzPresignedQuery FuzzAWSChunked FuzzXML FuzzPostForm FuzzImageProcess FuzzStoreRecords)
targets=("${@:-${all_targets[@]}}")

# Release: several times the executions per second of a debug build. The fuzzer entry point has
# no `main`, hence -parse-as-library.
configuration="${FUZZ_CONFIGURATION:-release}"
build_start=$SECONDS
swift build -c "$configuration" --sanitize=fuzzer -Xswiftc -parse-as-library --scratch-path .build
bin="$(swift build -c "$configuration" --sanitize=fuzzer -Xswiftc -parse-as-library --scratch-path .build --show-bin-path)"
echo "fuzz: built in $((SECONDS - build_start)) s"
# scripts/test.sh builds ahead, at low priority while the other suites run, then fuzzes.
[[ "${FUZZ_BUILD_ONLY:-}" == 1 ]] && exit 0

work="$(mktemp -d "${TMPDIR:-/tmp}/mss-fuzz.XXXXXX")"
echo "fuzz: corpora and crash artifacts under $work"
failed=()
summary=()
for target in "${targets[@]}"; do
    [[ -d "Corpus/$target" ]] || { echo "fuzz: no corpus for $target" >&2; exit 2; }
    mkdir -p "$work/$target/corpus" "$work/$target/artifacts"
    cp -R "Corpus/$target/." "$work/$target/corpus/"
    log="$work/$target/log"
    status=0
    # The Swift runtime's own backtracer would take the crash before libFuzzer can save the
    # input, so it is off; libFuzzer prints the stack instead.
    SWIFT_BACKTRACE=enable=no "$bin/$target" "$work/$target/corpus" \
        -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
        -artifact_prefix="$work/$target/artifacts/" ${FUZZ_FLAGS:-} >"$log" 2>&1 || status=$?
    runs="$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\1 runs in \2 s/p' "$log" | tail -1)"
    artifacts="$(find "$work/$target/artifacts" -type f | sort)"
    if [[ $status -ne 0 || -n "$artifacts" ]]; then
        failed+=("$target")
        summary+=("$(printf '%-24s CRASHED (exit %s)' "$target" "$status")")
        echo "fuzz: $target FAILED (exit $status); log: $log" >&2
        grep -E 'Precondition failed|Fatal error|ERROR: libFuzzer|SUMMARY|Test unit written|^    #[0-9]+ .*(Sources|S3Protocol|MSSImageProcess)' "$log" | head -40 >&2 || true
        for artifact in $artifacts; do
            echo "fuzz: crashing input $artifact: $(od -An -tx1 -v "$artifact" | tr -d ' \n' | head -c 2000)" >&2
        done
    else
        summary+=("$(printf '%-24s %s, 0 crashes' "$target" "${runs:-? runs}")")
    fi
done

echo "fuzz: executions per target (${seconds} s each)"
printf '  %s\n' "${summary[@]}"
if [[ ${#failed[@]} -ne 0 ]]; then
    echo "fuzz: crashes in ${failed[*]}; inputs under $work" >&2
    exit 1
fi
rm -rf "$work"
