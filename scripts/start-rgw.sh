#!/usr/bin/env bash
# Starts a throwaway one-node Ceph cluster (monitor, memstore OSD) and radosgw on 127.0.0.1, for
# tests that need a strict, independent S3 server. Everything lives under $1 (the state directory);
# stop it with scripts/stop-servers.sh or by killing the pids in $1/*.pid.
#
# Usage: start-rgw.sh STATE_DIR RGW_PORT ACCESS_KEY SECRET_KEY
set -euo pipefail

dir=$(realpath -m "$1")
rgw_port=$2
access_key=$3
secret_key=$4
# The monitor gets any free port (the one after the gateway's may be taken).
mon_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

rm -rf "$dir"
mkdir -p "$dir"/{mon,osd,run,log}
fsid=$(cat /proc/sys/kernel/random/uuid)
conf="$dir/ceph.conf"

cat >"$conf" <<CONF
[global]
fsid = $fsid
mon host = v2:127.0.0.1:$mon_port
public network = 127.0.0.0/8
auth cluster required = none
auth service required = none
auth client required = none
ms mon client mode = crc
ms client mode = crc
ms mon service mode = crc
ms service mode = crc
ms mon cluster mode = crc
ms cluster mode = crc
osd pool default size = 1
osd pool default min size = 1
mon allow pool size one = true
osd pool default pg num = 8
osd pool default pgp num = 8
mon max pg per osd = 1000
osd crush chooseleaf type = 0
mon warn on pool no redundancy = false
# Tests write and delete gigabytes; without prompt garbage collection the in-memory OSD fills up
# and writes stall.
mon osd full ratio = 0.99
mon osd nearfull ratio = 0.98
mon osd backfillfull ratio = 0.985
osd failsafe full ratio = 0.995
# The monitor shuts itself down when the disk under its folder has 5% or less free (30% only
# warns). CI machines share a disk that is sometimes nearly full, and the whole cluster is a
# throwaway whose data lives in memory: it stops only when the disk is really full.
mon data avail crit = 0
mon data avail warn = 1
run dir = $dir/run
log file = $dir/log/\$name.log
admin socket = $dir/run/\$name.asok
keyring = $dir/keyring
[mon.a]
mon data = $dir/mon
[osd.0]
osd data = $dir/osd
osd objectstore = memstore
memstore device bytes = 8589934592
osd max object size = 1073741824
[client.rgw]
rgw frontends = beast endpoint=127.0.0.1:$rgw_port
rgw dns name = localhost
rgw thread pool size = 64
rgw enable usage log = false
rgw lifecycle work time = 00:00-00:00
rgw data = $dir/run/rgw
rgw gc obj min wait = 0
# SSE-C over plain HTTP on 127.0.0.1, so the SDK's customer-key encryption is checked against RGW.
rgw crypt require ssl = false
rgw gc processor period = 5
rgw gc processor max time = 5
CONF

ceph-authtool --create-keyring "$dir/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
monmaptool --create --fsid "$fsid" --addv a "[v2:127.0.0.1:$mon_port]" "$dir/monmap" >/dev/null
ceph-mon -c "$conf" --mkfs -i a --monmap "$dir/monmap" --keyring "$dir/keyring"
ceph-mon -c "$conf" -i a --pid-file "$dir/mon.pid"

for _ in $(seq 60); do
    ceph -c "$conf" --connect-timeout 5 status >/dev/null 2>&1 && break
    sleep 0.5
done
osd_id=$(ceph -c "$conf" osd create)
ceph-osd -c "$conf" -i "$osd_id" --mkfs >/dev/null 2>&1
ceph-osd -c "$conf" -i "$osd_id" --pid-file "$dir/osd.pid"
for _ in $(seq 120); do
    ceph -c "$conf" osd stat 2>/dev/null | grep -q '1 up' && break
    sleep 0.5
done
ceph -c "$conf" osd stat | grep -q '1 up' || { echo "ceph osd did not come up" >&2; exit 1; }

radosgw -c "$conf" -n client.rgw --pid-file "$dir/rgw.pid"
for _ in $(seq 240); do
    curl -fs --max-time 2 -o /dev/null "http://127.0.0.1:$rgw_port/" && break
    # anonymous ListBuckets answers 200 with an empty list once the gateway is serving
    sleep 0.5
done
curl -s --max-time 5 -o /dev/null "http://127.0.0.1:$rgw_port/" || { echo "radosgw did not start" >&2; tail -20 "$dir/log/client.rgw.log" >&2; exit 1; }

radosgw-admin -c "$conf" user create --uid=mss-test --display-name="mss test" \
    --access-key="$access_key" --secret="$secret_key" >/dev/null
echo "radosgw ready on 127.0.0.1:$rgw_port"
