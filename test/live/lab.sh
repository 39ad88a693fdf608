#!/usr/bin/env bash
# Runs the live-probe lab inside a network namespace of its own: loopback
# only, removed afterwards. Exits 77 (skipped) where the lab cannot be built.
set -u
lab="$1"; cli="$2"
skip() { echo "SKIPPED: live lab unavailable: $1"; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "needs root to create a network namespace"
command -v ip >/dev/null || skip "iproute2 (ip) is not installed"
command -v nft >/dev/null || skip "nftables (nft) is not installed"
[ -x /usr/sbin/xrdp ] || skip "xrdp is not installed"
command -v openssl >/dev/null || skip "openssl is not installed"
ns="rdpt-lab-$$"
ip netns add "$ns" 2>/dev/null || skip "cannot create a network namespace here"
# ip netns exec bind-mounts this over /etc/resolv.conf: the namespace's
# resolver is the lab's own fake DNS server on 127.0.0.1.
mkdir -p "/etc/netns/$ns"
printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' >"/etc/netns/$ns/resolv.conf"
trap 'ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null; ip netns del "$ns" 2>/dev/null; rm -rf "/etc/netns/$ns"' EXIT
ip netns exec "$ns" ip link set lo up || skip "cannot bring up loopback in the namespace"
ip netns exec "$ns" env RDPTRIAGE_CLI="$cli" "$lab"
