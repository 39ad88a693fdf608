#!/usr/bin/env bash
# Installs what rdptriage needs to build and test on Debian bookworm.
# Idempotent: installs only what is missing; needs root (or sudo) for apt.
set -euo pipefail

packages=(
  # build
  build-essential cmake pkg-config
  ccache                                         # scripts/test.sh: the library is compiled by five builds and two tests
  libboost-json1.81-dev libboost-graph1.81-dev  # Boost.JSON exists from 1.75; Debian's default is 1.74
  libssl-dev                                     # OpenSSL 3: TLS probes
  libre2-dev                                     # RE2: linear-time matching of pasted client errors
  libcli11-dev libfmt-dev                        # the example CLI: argument parsing, formatting
  libcurl4-openssl-dev                           # rdptriage::azure: ARM REST over HTTPS (proxies, CA bundles)
  # tests
  catch2 python3 python3-jsonschema iproute2 nftables xrdp openssl freerdp2-x11 xvfb xauth binutils
  # python3-jsonschema: real reports validated against the installed report.schema.json
  # fuzzing (scripts/fuzz.sh): clang with libFuzzer and its sanitizer runtimes
  clang libclang-rt-14-dev
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi
echo "installing: ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
