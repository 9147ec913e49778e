#!/usr/bin/env bash
# Install (or remove) the library kiosk on Raspberry Pi OS (Bookworm or later, 64-bit).
#
#   sudo scripts/install-pi.sh                 install or upgrade from this checkout
#   sudo scripts/install-pi.sh --no-screen     without Chromium/cage (headless return machine)
#   sudo scripts/install-pi.sh --uninstall     remove units, rules and /opt/kiosk;
#                                              keep /etc/kiosk and /var/lib/kiosk (the journal!)
#   sudo scripts/install-pi.sh --uninstall --purge   … and delete configuration and journal too
#   scripts/install-pi.sh --dry-run            print every step, change nothing
#
# Idempotent: running it again upgrades the venv and units and never overwrites an existing
# /etc/kiosk/kiosk.toml. KIOSK_INSTALL_ROOT=/some/dir installs the files under that directory and
# only prints the system commands (apt, useradd, systemctl, pip) — for tests and image builders.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROOT="${KIOSK_INSTALL_ROOT:-}"
DRY_RUN=0
UNINSTALL=0
PURGE=0
SCREEN=1
EXTRAS="pi,nfc,printer"

SERVICE_USER=kiosk
SCREEN_USER=kiosk-screen
DEVICE_GROUPS=(dialout gpio lp plugdev)
SCREEN_GROUPS=(video render input)
APT_PACKAGES=(python3-venv python3-dev sqlite3 openssl)
APT_SCREEN=(cage)
APT_OPTIONAL=(mosquitto-clients)

usage() {
    sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

while [[ $# -gt 0 ]]; do
    case "$1" in
        --dry-run) DRY_RUN=1 ;;
        --uninstall) UNINSTALL=1 ;;
        --purge) PURGE=1 ;;
        --no-screen) SCREEN=0 ;;
        --repo) REPO="$2"; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "install-pi.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done
if [[ $PURGE -eq 1 && $UNINSTALL -eq 0 ]]; then
    echo "install-pi.sh: --purge only goes with --uninstall" >&2
    exit 2
fi
if [[ $DRY_RUN -eq 0 && -z "$ROOT" && $(id -u) -ne 0 ]]; then
    echo "install-pi.sh: run as root (sudo), or with --dry-run to see what it would do" >&2
    exit 2
fi

# A system command: printed in a dry run or under KIOSK_INSTALL_ROOT, run otherwise.
sys() {
    if [[ $DRY_RUN -eq 1 || -n "$ROOT" ]]; then
        echo "would run: $*"
    else
        echo "+ $*"
        "$@"
    fi
}

# A file operation below $ROOT: printed in a dry run, run otherwise.
fs() {
    if [[ $DRY_RUN -eq 1 ]]; then
        echo "would run: $*"
    else
        echo "+ $*"
        "$@"
    fi
}

# Write one line to a file below $ROOT (printed in a dry run).
put() {
    if [[ $DRY_RUN -eq 1 ]]; then
        echo "would write: $1 ($2)"
    else
        echo "+ write $1"
        printf '%s\n' "$2" >"$1"
        chmod 0644 "$1"
    fi
}

have_group() { getent group "$1" >/dev/null 2>&1; }
have_user() { id -u "$1" >/dev/null 2>&1; }

install_packages() {
    local packages=("${APT_PACKAGES[@]}" "${APT_OPTIONAL[@]}")
    if [[ $SCREEN -eq 1 ]]; then
        packages+=("${APT_SCREEN[@]}")
        # Raspberry Pi OS calls it chromium-browser on older images, chromium on newer ones
        if apt-cache show chromium >/dev/null 2>&1; then packages+=(chromium)
        else packages+=(chromium-browser); fi
    fi
    sys apt-get update
    sys env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${packages[@]}"
}

# Add a user to each group that exists on this system (all of them in a dry run).
add_groups() {
    local user=$1 group
    shift
    for group in "$@"; do
        if have_group "$group" || [[ $DRY_RUN -eq 1 || -n "$ROOT" ]]; then
            sys usermod --append --groups "$group" "$user"
        else
            echo "group $group does not exist here: skipped"
        fi
    done
}

create_users() {
    if have_user "$SERVICE_USER"; then
        echo "user $SERVICE_USER exists"
    else
        sys useradd --system --home-dir /var/lib/kiosk --no-create-home \
            --shell /usr/sbin/nologin --user-group "$SERVICE_USER"
    fi
    add_groups "$SERVICE_USER" "${DEVICE_GROUPS[@]}"
    [[ $SCREEN -eq 1 ]] || return 0
    if have_user "$SCREEN_USER"; then
        echo "user $SCREEN_USER exists"
    else
        sys useradd --system --create-home --home-dir /var/lib/kiosk-screen \
            --shell /usr/sbin/nologin --user-group "$SCREEN_USER"
    fi
    add_groups "$SCREEN_USER" "${SCREEN_GROUPS[@]}"
}

install_venv() {
    sys install -d -m 0755 /opt/kiosk
    sys python3 -m venv /opt/kiosk/.venv
    sys /opt/kiosk/.venv/bin/pip install --upgrade pip
    sys /opt/kiosk/.venv/bin/pip install --upgrade "$REPO[$EXTRAS]"
    fs install -d -m 0755 "$ROOT/opt/kiosk/docs"
    fs install -m 0644 "$REPO/docs/operations.md" "$ROOT/opt/kiosk/docs/operations.md"
}

install_config() {
    fs install -d -m 0750 "$ROOT/etc/kiosk"
    fs install -d -m 0750 "$ROOT/etc/kiosk/tls"
    if [[ -e "$ROOT/etc/kiosk/kiosk.toml" ]]; then
        echo "keeping existing $ROOT/etc/kiosk/kiosk.toml"
    else
        fs install -m 0640 "$REPO/config/kiosk.example.toml" "$ROOT/etc/kiosk/kiosk.toml"
    fi
    fs install -m 0644 "$REPO/config/kiosk.example.toml" "$ROOT/etc/kiosk/kiosk.example.toml"
    sys chown -R "root:$SERVICE_USER" /etc/kiosk
}

install_units() {
    fs install -d -m 0755 "$ROOT/etc/systemd/system" "$ROOT/etc/udev/rules.d" \
        "$ROOT/etc/modules-load.d"
    fs install -m 0644 "$REPO/systemd/kiosk.service" "$ROOT/etc/systemd/system/kiosk.service"
    if [[ $SCREEN -eq 1 ]]; then
        fs install -m 0644 "$REPO/systemd/kiosk-screen.service" \
            "$ROOT/etc/systemd/system/kiosk-screen.service"
    fi
    fs install -m 0644 "$REPO/systemd/99-kiosk.rules" "$ROOT/etc/udev/rules.d/99-kiosk.rules"
    # DeviceAllow=char-ttyUSB resolves only when the usbserial driver is registered at start
    put "$ROOT/etc/modules-load.d/kiosk.conf" "usbserial"
    if [[ $SCREEN -eq 1 ]]; then
        local browser=/usr/bin/chromium
        [[ -x $browser ]] || browser=/usr/bin/chromium-browser
        fs install -d -m 0755 "$ROOT/usr/local/bin"
        fs ln -sfn "$browser" "$ROOT/usr/local/bin/kiosk-chromium"
    fi
    sys udevadm control --reload
    sys udevadm trigger
    sys systemctl daemon-reload
    sys systemctl enable kiosk.service
    if [[ $SCREEN -eq 1 ]]; then
        sys systemctl set-default graphical.target
        sys systemctl enable kiosk-screen.service
    fi
}

uninstall() {
    sys systemctl disable --now kiosk-screen.service kiosk.service
    for file in etc/systemd/system/kiosk.service etc/systemd/system/kiosk-screen.service \
        etc/udev/rules.d/99-kiosk.rules etc/modules-load.d/kiosk.conf usr/local/bin/kiosk-chromium; do
        if [[ -e "$ROOT/$file" || -L "$ROOT/$file" || $DRY_RUN -eq 1 ]]; then
            fs rm -f "$ROOT/$file"
        fi
    done
    fs rm -rf "$ROOT/opt/kiosk"
    sys systemctl daemon-reload
    sys udevadm control --reload
    if [[ $PURGE -eq 1 ]]; then
        fs rm -rf "$ROOT/etc/kiosk" "$ROOT/var/lib/kiosk"
        sys userdel "$SCREEN_USER"
        sys userdel "$SERVICE_USER"
    else
        echo "kept $ROOT/etc/kiosk and $ROOT/var/lib/kiosk (use --purge to delete them)"
    fi
}

if [[ $UNINSTALL -eq 1 ]]; then
    uninstall
else
    install_packages
    create_users
    install_venv
    install_config
    install_units
    echo "next: edit /etc/kiosk/kiosk.toml, then: sudo -u kiosk /opt/kiosk/.venv/bin/kiosk selftest" \
        "--config /etc/kiosk/kiosk.toml && sudo systemctl start kiosk kiosk-screen"
fi
