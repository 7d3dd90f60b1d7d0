#!/bin/bash
# Installs the Debian packages pyovn's tests need: the real OVN 23.03 / OVS 3.1
# oracle and the tools the end-to-end tests use. Does nothing when all are present.
# With --base, only what creating the virtualenv needs (`make demo` is all embedded).
set -euo pipefail
BASE=(python3-venv)
PKGS=("${BASE[@]}" ovn-central ovn-host openvswitch-switch iproute2 iputils-ping ethtool
      tcpdump udhcpc isc-dhcp-client netcat-openbsd procps   # dhclient -6: the DHCPv6 test
      libvirt-dev pkg-config gcc python3-dev    # libvirt-python builds against these
      chromium fonts-dejavu-core)               # the API web page's browser test
if [ "${1:-}" = "--base" ]; then
  PKGS=("${BASE[@]}")
fi
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "need root to install: ${missing[*]}" >&2; exit 1; }
  SUDO=sudo
fi
echo "installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# The packages start system services on some machines; pyovn's tests start
# their own daemons in temporary directories, so stop any that came up.
for s in ovn-central ovn-host openvswitch-switch; do
  $SUDO service "$s" stop >/dev/null 2>&1 || true
done
