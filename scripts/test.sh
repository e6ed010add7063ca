#!/usr/bin/env bash
# Runs the whole test suite on a Debian 12 machine: installs what it needs, starts Ceph RGW, moto,
# a fault-injecting proxy and mss-server (with its image service) on 127.0.0.1, runs `swift test`
# against them, then the independent-client checks of mss-server and the `mss` command-line tests
# (pytest), and stops everything.
# Exits non-zero on any failure.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$root"

require_swift
apt_install ca-certificates curl python3 pkg-config libvips-dev libsqlite3-dev libgoogle-perftools-dev fonts-wqy-zenhei fonts-wqy-microhei imagemagick \
    radosgw ceph-mon ceph-osd ceph-common rclone chromium chromium-driver
ensure_venv

state=$(mktemp -d "${TMPDIR:-/tmp}/mss-test-servers.XXXXXX")
fuzz_build=
cleanup() {
    if [ -n "$fuzz_build" ]; then stop_tree "$fuzz_build"; fi
    stop_pids_in "$state/rgw"
    stop_pids_in "$state"
    rm -rf "$state"
}
trap cleanup EXIT

access_key=MSSTESTACCESSKEY0001
secret_key=mss-test-secret-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')

rgw_port=$(free_port)
log "starting Ceph RGW on 127.0.0.1:$rgw_port"
"$root/scripts/start-rgw.sh" "$state/rgw" "$rgw_port" "$access_key" "$secret_key" >"$state/rgw-start.log" 2>&1 || {
    cat "$state/rgw-start.log" >&2
    exit 1
}

moto_port=$(free_port)
log "starting moto (S3) on 127.0.0.1:$moto_port"
"$venv/bin/python" "$root/scripts/lib/moto_s3_server.py" 127.0.0.1 "$moto_port" >"$state/moto.log" 2>&1 &
echo $! >"$state/moto.pid"
wait_for_http "http://127.0.0.1:$moto_port/" 60

proxy_port=$(free_port)
python3 "$root/scripts/lib/flaky_proxy.py" "$proxy_port" "127.0.0.1:$rgw_port" >"$state/proxy.log" 2>&1 &
echo $! >"$state/proxy.pid"
wait_for_http "http://127.0.0.1:$proxy_port/" 30

log "checking the package's shape: module graph, declared version, API use against the Apple minimums"
python3 "$root/scripts/check-module-graph.py"
bash "$root/scripts/check-version.sh"
bash "$root/scripts/check-availability.sh"

log "building"
# The build's output is kept: on a fresh clone every file of ours is compiled, and none may warn.
swift build --build-tests 2>&1 | tee "$state/build.log"
bash "$root/scripts/check-warnings.sh" "$state/build.log"
bin=$(swift build --show-bin-path)

log "building the DocC catalog of MSS (a link to a symbol that does not exist fails the run)"
swift package generate-documentation --target MSS >"$state/docc.log" 2>&1 || { tail -n 30 "$state/docc.log" >&2; exit 1; }
if grep -E "doesn't exist|is ambiguous" "$state/docc.log" >&2; then exit 1; fi

mss_port=$(free_port)
mss_image_port=$(free_port)
mss_access=MSSSERVERTESTKEY0001
mss_secret=mss-server-secret-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
# Two more users, for the access-control tests; the file holds secrets, so mode 0600.
mss_users="MSSUSERTWO0001|mss-user-two-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n') MSSUSERTHREE001|mss-user-three-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
(umask 077; for user in $mss_users; do echo "${user%%|*} ${user#*|} Test user ${user%%|*}"; done >"$state/mss-users")
log "starting mss-server on 127.0.0.1:$mss_port (image service on $mss_image_port)"
"$bin/mss-server" --data "$state/mss-data" --port "$mss_port" --image-port "$mss_image_port" --access-key "$mss_access" --secret-key "$mss_secret" \
    --users "$state/mss-users" >"$state/mss-server.log" 2>&1 &
echo $! >"$state/mss-server.pid"
wait_for_http "http://127.0.0.1:$mss_port/" 30
wait_for_http "http://127.0.0.1:$mss_image_port/" 30

export MSS_TEST_SERVERS="rgw|http://127.0.0.1:$rgw_port|$access_key|$secret_key|strict moto|http://127.0.0.1:$moto_port|motokey|motosecret|lax mss|http://127.0.0.1:$mss_port|$mss_access|$mss_secret|strict"
export MSS_TEST_FLAKY_PROXY="rgw-via-flaky-proxy|http://127.0.0.1:$proxy_port|$access_key|$secret_key|strict"
export MSS_TEST_IMAGE_SERVER="http://127.0.0.1:$mss_port|http://127.0.0.1:$mss_image_port|$mss_access|$mss_secret"
export MSS_TEST_REQUIRE_SERVERS=1
export MSS_TEST_MSS_USERS="$mss_users"  # the two --users users of mss-server, for the SDK's two-user ACL tests
export MSS_TEST_MSS_DATA="$state/mss-data"  # its data directory, for the SDK's check that encrypted uploads leave no plaintext

# Ceph RGW is a reference server, not ours, and once hung in CI after the Swift tests: it accepted
# connections and answered nothing, so every later test against it waited out its timeouts and the
# run overran CI's limit. Before each stage that uses it, a signed round trip must succeed within
# seconds; if it does not, its diagnostics are printed and the cluster is started again, once per
# stage, and the run says so at its end.
rgw_restarts=0
ensure_rgw() {
    "$venv/bin/python" "$root/scripts/lib/rgw_probe.py" "http://127.0.0.1:$rgw_port" "$access_key" "$secret_key" && return 0
    rgw_report "$state/rgw"
    log "Ceph RGW stopped serving before $1: starting it again on the same port with the same keys"
    local pids pid
    pids=$(cat "$state/rgw"/*.pid 2>/dev/null)
    stop_pids_in "$state/rgw"
    # A daemon stuck in the kernel outlives SIGKILL for a while and keeps the port: the new
    # gateway could not bind, and the probe would ask the old one.
    for pid in $pids; do
        for _ in $(seq 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
        if kill -0 "$pid" 2>/dev/null; then log "a Ceph daemon (pid $pid) does not stop: $1 is not run"; return 1; fi
    done
    # Bounded: whatever hung the first cluster may hang this one's start.
    timeout --kill-after=10 300 "$root/scripts/start-rgw.sh" "$state/rgw" "$rgw_port" "$access_key" "$secret_key" >"$state/rgw-start.log" 2>&1 \
        && "$venv/bin/python" "$root/scripts/lib/rgw_probe.py" "http://127.0.0.1:$rgw_port" "$access_key" "$secret_key" \
        || { cat "$state/rgw-start.log" >&2; log "Ceph RGW could not be started again: $1 is not run"; return 1; }
    rgw_restarts=$((rgw_restarts + 1))
}

# Names a stage that ran out of time (timeout's 124, or 137 when it had to kill) and passes its
# status on.
deadline() {
    local status=$?
    if [ $status -eq 124 ] || [ $status -eq 137 ]; then log "$1 did not end within its deadline and was stopped"; fi
    return $status
}

# Each stage has a deadline well inside CI's 90 minutes (they take 4, 4 and 3 minutes here), so a
# hang anywhere ends as a failure with the logs below instead of a run cut off with nothing.
log "running the Swift tests"
set +e
timeout --kill-after=30 1200 swift test --skip-build
deadline "swift test"
status=$?
# The fuzz package is a separate build (release, instrumented) of its own scratch directory. It
# runs from here at the lowest priority, so it takes only the CPU the pytest suites leave idle.
# Not earlier: beside `swift test` it slowed that run by three quarters. In this session on
# purpose: the kernel's autogroups would give a build in a session of its own half the machine
# whatever its nice value.
log "building the libFuzzer targets in the background (nice 19; Fuzz/README.md)"
FUZZ_BUILD_ONLY=1 nice -n 19 bash "$root/Fuzz/run.sh" >"$state/fuzz-build.log" 2>&1 &
fuzz_build=$!
export MSS_SERVER_ENDPOINT="http://127.0.0.1:$mss_port" MSS_SERVER_IMAGE_ENDPOINT="http://127.0.0.1:$mss_image_port" \
    MSS_SERVER_ACCESS_KEY="$mss_access" MSS_SERVER_SECRET_KEY="$mss_secret" MSS_SERVER_DATA="$state/mss-data" \
    MSS_SERVER_USERS="$mss_users" \
    MSS_SERVER_PID="$(cat "$state/mss-server.pid")" MSS_SERVER_BINARY="$bin/mss-server" \
    MSS_RGW_ENDPOINT="http://127.0.0.1:$rgw_port" MSS_RGW_ACCESS_KEY="$access_key" MSS_RGW_SECRET_KEY="$secret_key" \
    MSS_CLI="$bin/mss" MSS_REQUIRE_BROWSER=1
# Two workers each (pytest-xdist): the tests use their own buckets and servers, and half their
# time is spent waiting on a server or a child process. Each folder has its own conftest module,
# so they are two runs; both run even when the first fails. A test that hangs fails after 10
# minutes (pytest-timeout).
run_pytest() {
    PATH="$venv/bin:$PATH" timeout --kill-after=30 1200 "$venv/bin/pytest" -q -p no:cacheprovider -n 2 --timeout 600 "$root/Tests/$1"
}
log "checking mss-server with independent clients (boto3, awscli, s3cmd, rclone)"
ensure_rgw "the independent-client checks" && { run_pytest peers; deadline "the independent-client checks"; }
peer_status=$?
log "running the mss command-line tests"
ensure_rgw "the command-line tests" && { run_pytest cli; deadline "the command-line tests"; }
cli_status=$?
[ $peer_status -eq 0 ] && peer_status=$cli_status
log "fuzzing the wire parsers (libFuzzer, 10 s a target; Fuzz/README.md)"
wait "$fuzz_build"
fuzz_build_status=$?
fuzz_build=
if [ $fuzz_build_status -eq 0 ]; then
    grep '^fuzz: built' "$state/fuzz-build.log" || true
    bash "$root/Fuzz/run.sh" 10
    fuzz_status=$?
else
    tail -n 40 "$state/fuzz-build.log" >&2
    fuzz_status=1
fi
set -e
[ $status -eq 0 ] && status=$peer_status
[ $status -eq 0 ] && status=$fuzz_status
if [ $status -ne 0 ]; then
    log "tests failed; the last lines of the server logs follow"
    tail -n 30 "$state/mss-server.log" "$state/moto.log" "$state/proxy.log" "$state/rgw/log/client.rgw.log" 2>/dev/null | tail -n 100 >&2 || true
fi
if [ $rgw_restarts -gt 0 ]; then
    log "note: Ceph RGW stopped serving and was started again $rgw_restarts time(s); its diagnostics are above"
fi
exit $status
