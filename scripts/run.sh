#!/usr/bin/env bash
# Migrate, load the demo data (idempotent) and serve the app with worker, beat and the local Notify.
set -euo pipefail
python manage.py migrate --no-input
python manage.py seed_demo
exec honcho start -f Procfile
