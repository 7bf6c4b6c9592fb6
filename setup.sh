#!/usr/bin/env bash
# Installs what harness and its tests need on Debian 12 with Node 20: the Debian monitors, tshark/capinfos, and the
# tools the tests use (Chromium for the HTML report check, datamash and xmllint for benchmarks and report checks),
# then the npm packages, then builds. Idempotent: when everything is there it only says so.
set -euo pipefail
cd "$(dirname "$0")"

quiet=${HARNESS_SETUP_VERBOSE:-}
log() { printf 'setup: %s\n' "$*"; }

# command -> Debian package that provides it
declare -A PACKAGES=(
  [argus]=argus-server [ra]=argus-client [racluster]=argus-client
  [softflowd]=softflowd [nfcapd]=nfdump [nfdump]=nfdump [nfpcapd]=nfdump
  [pmacctd]=pmacct [ndpiReader]=libndpi-bin [tcptrace]=tcptrace
  [tshark]=tshark [capinfos]=wireshark-common
  [chromium]=chromium [datamash]=datamash [xmllint]=libxml2-utils
  # GNU time measures each monitor's CPU time and peak RSS exactly (a path: `time` alone is the shell keyword).
  [/usr/bin/time]=time
  # live mode (harness run --live): the private wire, the replay, its reference capture, the immediate-mode shim
  [tcpreplay]=tcpreplay [ethtool]=ethtool [ip]=iproute2 [tcpdump]=tcpdump [gcc]=gcc [pcap-config]=libpcap-dev
)

missing=()
for cmd in "${!PACKAGES[@]}"; do
  if ! PATH="$PATH:/usr/sbin:/sbin" command -v "$cmd" >/dev/null 2>&1; then
    pkg=${PACKAGES[$cmd]}
    [[ " ${missing[*]-} " == *" $pkg "* ]] || missing+=("$pkg")
  fi
done

if ((${#missing[@]} > 0)); then
  SUDO=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO=(sudo); else
      log "need root to install: ${missing[*]} (run this script as root)"; exit 1
    fi
  fi
  log "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${SUDO[@]}" apt-get update -qq
  if [ -n "$quiet" ]; then
    "${SUDO[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
  else
    "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/tmp/harness-apt.log 2>&1 || {
      tail -n 40 /tmp/harness-apt.log >&2; exit 1; }
  fi
else
  log "Debian packages: all present"
fi

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  log "Node.js 20 or newer is required (found: $(node --version 2>/dev/null || echo none))"; exit 1
fi

# npm ci only when the lock file changed since the last install, so a second run is quick and quiet.
stamp=node_modules/.harness-lock-stamp
if [ ! -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
  log "installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json "$stamp"
else
  log "npm packages: up to date"
fi

log "building"
npx tsc -p tsconfig.json
log "ready: bin/harness run scenarios/burst-20min.yaml"
