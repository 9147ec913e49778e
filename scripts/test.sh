#!/usr/bin/env bash
# The README's test command: set up (or reuse) .venv with every extra, then lint, type-check and
# run the whole test suite. Extra pytest arguments are passed through.
set -euo pipefail
KIOSK_EXTRAS="dev,nfc,printer"
KIOSK_DEBS="mosquitto openssl chromium fonts-wqy-microhei"
source "$(dirname "${BASH_SOURCE[0]}")/_venv.sh"
cd "$ROOT"
echo "== ruff"
ruff check kiosk drivers central tests bench
echo "== mypy --strict"
mypy --strict kiosk drivers central
echo "== pytest"
# Tests that run real brokers, browsers and killed processes are retried once on failure (shown
# as "rerun" in the summary) while a rare worker crash under load is being tracked down.
python -m pytest -n "${KIOSK_TEST_WORKERS:-2}" --dist loadfile --reruns 1 -rR "$@"
