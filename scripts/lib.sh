# Shared helpers for the scripts (sourced, not run).

as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null; then
        sudo "$@"
    else
        echo "root is needed to run: $*" >&2
        return 1
    fi
}

_apt_updated=""
apt_install() {
    # Installs Debian packages; `apt-get update` runs once per script, only when something is missing.
    if [ -z "$_apt_updated" ]; then
        echo "==> apt-get update"
        as_root apt-get update -qq
        _apt_updated=1
    fi
    echo "==> apt-get install $*"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

is_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}
