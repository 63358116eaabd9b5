#!/usr/bin/env bash
# Installs the system packages E-Village needs, only those that are missing (Debian 12 / Ubuntu).
# Idempotent: when everything is present it prints nothing and returns in well under a second.
#   scripts/setup-system.sh          what the platform and its tests need
#   scripts/setup-system.sh bench    and the benchmarks' load generator (wrk)
set -euo pipefail

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

missing=()
# PostgreSQL server (initdb, pg_ctl) — the project runs its own cluster with them.
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
# GDAL (pulls GEOS and PROJ), loaded by GeoDjango through ctypes: no -dev package needed.
ldconfig -p | grep -q 'libgdal\.so' || missing+=(gdal-bin)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
"${PYTHON:-python3}" -c 'import ensurepip, venv' >/dev/null 2>&1 || missing+=(python3-venv)
# Debian's Chromium, for the browser tests of the map pages.
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
if [ "${1:-}" = bench ]; then
    command -v wrk >/dev/null 2>&1 || missing+=(wrk)
fi

apt_install() {
    echo "==> Installing system packages: $*"
    if [ -z "${_apt_updated:-}" ]; then
        as_root apt-get update -qq
        _apt_updated=1
    fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
}

if [ ${#missing[@]} -gt 0 ]; then
    apt_install "${missing[@]}"
fi

# PostGIS must match the server's major version, known only once the server is installed.
pg_version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
postgis="postgresql-${pg_version}-postgis-3"
if ! installed "$postgis"; then
    apt_install "$postgis"
fi
