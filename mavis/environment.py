"""The environment the settings read: the process environment over `.env`.

An empty value counts as unset, wherever it comes from, so a `NAME=` line copied from
`.env.example` keeps the default instead of replacing it with "" (an empty
`NOTIFY_CALLBACK_TOKEN` would refuse every delivery receipt). `scripts/devservices.py` reads
the same view to decide whether to start the embedded PostgreSQL and Redis.
"""

import os
from pathlib import Path

import environ


def read(env_file: Path) -> dict[str, str]:
    class DotEnv(environ.Env):
        ENVIRON: dict[str, str] = {}  # read_env writes here, not into os.environ

    DotEnv.read_env(env_file, overwrite=True)
    values = {name: value for name, value in DotEnv.ENVIRON.items() if value.strip()}
    values.update({name: value for name, value in os.environ.items() if value.strip()})
    return values
