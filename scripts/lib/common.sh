# Shared by the project's scripts: installing what they need on a fresh Debian machine and
# running throwaway servers on 127.0.0.1.

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
venv="$root/.venv"

log() { printf '==> %s\n' "$*" >&2; }

# Installs Debian packages that are missing, running apt-get update once when needed.
apt_install() {
    local missing=()
    for package in "$@"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    log "installing Debian packages: ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Makes the virtual environment DIR from REQUIREMENTS once, and again only when that file changes.
ensure_venv_from() {
    local dir=$1 requirements=$2
    local stamp="$dir/.requirements.sha256"
    local wanted
    wanted=$(sha256sum "$requirements" | cut -d' ' -f1)
    if [ -x "$dir/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$wanted" ]; then return 0; fi
    if ! python3 -m venv --help >/dev/null 2>&1; then apt_install python3-venv; fi
    log "creating the virtualenv $dir"
    rm -rf "$dir"
    python3 -m venv "$dir"
    "$dir/bin/pip" install -q --upgrade pip
    "$dir/bin/pip" install -q -r "$requirements"
    echo "$wanted" >"$stamp"
}

# The test peers (boto3, awscli, s3cmd, moto, Pillow...).
ensure_venv() { ensure_venv_from "$venv" "$root/scripts/requirements-test.txt"; }

# The benchmarks' own virtual environment (thumbor and its Pillow beside boto3), kept apart from
# the test peers so CI never installs what only a benchmark runs.
bench_venv="$root/.venv-bench"
ensure_bench_venv() { ensure_venv_from "$bench_venv" "$root/Benchmarks/requirements.txt"; }

# Prints a TCP port on 127.0.0.1 that is free right now.
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Waits until an HTTP server answers on URL (any status), or fails after SECONDS.
wait_for_http() {
    local url=$1 seconds=${2:-60}
    for _ in $(seq $((seconds * 4))); do
        curl -s -o /dev/null --max-time 2 "$url" && return 0
        sleep 0.25
    done
    log "nothing answered on $url after ${seconds}s"
    return 1
}

# Kills the processes whose pid files are in DIR, then waits for them.
# Stops a process and everything it started (a build's compiler children, say), children first.
stop_tree() {
    local child
    for child in $(ps -o pid= --ppid "$1" 2>/dev/null); do stop_tree "$child"; done
    kill "$1" 2>/dev/null || true
}

stop_pids_in() {
    local dir=$1
    for pidfile in "$dir"/*.pid; do
        [ -f "$pidfile" ] || continue
        kill "$(cat "$pidfile")" 2>/dev/null || true
    done
    sleep 0.5
    for pidfile in "$dir"/*.pid; do
        [ -f "$pidfile" ] || continue
        kill -9 "$(cat "$pidfile")" 2>/dev/null || true
    done
}

# Starts mss-server with the benchmark keys (BENCHKEY / bench-secret-key) on a free port, data and
# pid file under DIR, and prints its endpoint. Arguments after DIR go to mss-server.
start_mss_server() {
    local binary=$1 dir=$2 port image_port
    shift 2
    port=$(free_port)
    image_port=$(free_port)
    "$binary" --data "$dir/data" --port "$port" --image-port "$image_port" --access-key BENCHKEY --secret-key bench-secret-key "$@" \
        >"$dir/server.log" 2>&1 &
    echo $! >"$dir/server.pid"
    wait_for_http "http://127.0.0.1:$port/" 30 || return 1
    wait_for_http "http://127.0.0.1:$image_port/" 30 || return 1
    # The image service's endpoint, for callers that want it.
    echo "http://127.0.0.1:$image_port" >"$dir/image-endpoint"
    echo "http://127.0.0.1:$port"
}

# Prints the folder of release binaries a benchmark runs: $BENCH_BIN when given (already built),
# otherwise this package's release build of PRODUCTS, built first.
release_bin() {
    if [ -n "${BENCH_BIN:-}" ]; then
        echo "$BENCH_BIN"
        return
    fi
    local product
    for product in "$@"; do swift build -c release --product "$product" >/dev/null; done
    swift build -c release --show-bin-path
}

# Starts nginx (one worker per core, no access log) serving DIR/www on a free port, its pid file
# in DIR so stop_pids_in stops it, waits until it serves FILE, and prints its port.
start_nginx() {
    local dir=$1 file=$2 port
    port=$(free_port)
    # nginx's workers run as another user: they must reach DIR/www (mktemp makes DIR 0700).
    chmod o+x "$dir"
    chmod -R o+rX "$dir/www"
    cat >"$dir/nginx.conf" <<CONF
worker_processes $(nproc);
pid $dir/nginx.pid;
error_log $dir/nginx-error.log;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $dir/nginx-body;
    server { listen 127.0.0.1:$port; root $dir/www; }
}
CONF
    nginx -c "$dir/nginx.conf"
    wait_for_http "http://127.0.0.1:$port/$file" 10 || return 1
    curl -sf -o /dev/null "http://127.0.0.1:$port/$file" || { log "nginx does not serve $file"; return 1; }
    echo "$port"
}

require_swift() {
    if ! command -v swift >/dev/null 2>&1; then
        for candidate in /opt/swift/usr/bin /usr/share/swift/usr/bin; do
            [ -x "$candidate/swift" ] && export PATH="$candidate:$PATH" && return 0
        done
        log "the Swift toolchain (6.1 or newer) is not on PATH: install it from swift.org first"
        return 1
    fi
}

# Prints the median of the numbers on standard input (separated by spaces or lines).
median() { tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# Prints to standard error what tells why the throwaway Ceph cluster under DIR (scripts/start-rgw.sh)
# stopped serving: the cluster's health as its monitor sees it, the machine's free disk and memory,
# which daemons are still alive, and the last lines of their logs.
rgw_report() {
    local dir=$1 pidfile file
    log "Ceph RGW diagnostics ($dir)"
    {
        df -h "$dir"
        free -m
        for pidfile in "$dir"/*.pid; do
            [ -f "$pidfile" ] || continue
            echo "$(basename "$pidfile" .pid): $(ps -o pid=,stat=,rss=,etime= -p "$(cat "$pidfile")" || echo 'not running')"
        done
        timeout 20 ceph -c "$dir/ceph.conf" --connect-timeout 10 health detail
        dmesg 2>/dev/null | grep -iE 'killed process|out of memory' | tail -n 5
        grep -h -iE 'shutdown|suicide|OSD_FULL|is full|failsafe|abort|fault|no space|critical' "$dir"/log/*.log | tail -n 40
        for file in "$dir"/log/mon.a.log "$dir"/log/osd.0.log "$dir"/log/client.rgw.log; do
            echo "--- last lines of $file"
            tail -n 15 "$file"
        done
    } >&2 2>&1 || true
}
