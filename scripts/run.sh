#!/usr/bin/env bash
# Migrate, load the demo data (idempotent) and serve the app with worker, beat and the local Notify.
# Ports: WEB_PORT (default 8000) and NOTIFY_PORT (default 6011); the settings' URLs follow them.
set -euo pipefail
python manage.py migrate --no-input
python manage.py seed_demo
# honcho would load .env itself and let its empty values override the environment (the embedded
# servers' URLs among them): devservices.py has already passed on .env as the settings read it.
exec honcho start -f Procfile -e /dev/null
