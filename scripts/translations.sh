#!/usr/bin/env bash
# Refresh the translation sources from the UI code, then compile them.
#   scripts/translations.sh          lupdate (keeps existing translations) + lrelease
# Translate new strings in assets/i18n/*.ts (Qt Linguist, or by hand) and run it again.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
for ts in assets/i18n/kiosk_*.ts; do
  "$BIN/pyside6-lupdate" -no-obsolete $(find kiosk/ui -name "*.py" | sort) -ts "$ts"
  "$BIN/pyside6-lrelease" "$ts" -qm "${ts%.ts}.qm"
done
