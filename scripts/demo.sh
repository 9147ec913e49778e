#!/usr/bin/env bash
# The README's first command: set up (or reuse) .venv and run `kiosk demo`.
set -euo pipefail
KIOSK_EXTRAS="nfc,printer"
KIOSK_DEBS="mosquitto openssl chromium fonts-wqy-microhei"
source "$(dirname "${BASH_SOURCE[0]}")/_venv.sh"
cd "$ROOT"
exec kiosk demo "$@"
