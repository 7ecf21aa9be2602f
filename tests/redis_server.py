"""A real redis-server for the tests, started on a free loopback port."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RedisServer:
    """``password``: the server's ``requirepass`` (the default user's password); ``tls``:
    also listen with TLS on ``tls_port``, with a certificate made here by ``openssl``
    (``ca`` is the file of the authority that signed it); ``unix``: also listen on the
    unix socket ``socket``."""

    def __init__(self, *, password: str | None = None, tls: bool = False, unix: bool = False) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            message = "redis-server is not installed (apt-get install redis-server)"
            if os.environ.get("CI") == "true":
                pytest.fail(message + ": under CI the Redis tests must run")
            pytest.skip(message)
        self.binary = binary
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.dir = tempfile.mkdtemp(prefix="newsclean-redis-")
        self.process: subprocess.Popen[bytes] | None = None
        self.password = password
        self.extra: list[str] = ["--requirepass", password] if password else []
        self.socket = os.path.join(self.dir, "redis.sock") if unix else ""  # (also a unix socket)
        if unix:
            self.extra += ["--unixsocket", self.socket]
        self.tls_port = 0
        self.ca = ""
        if tls:
            self.tls_port = free_port()
            self.ca = self._certificates()
            d = self.dir
            self.extra += ["--tls-port", str(self.tls_port), "--tls-cert-file", f"{d}/server.crt"]
            self.extra += [
                "--tls-key-file",
                f"{d}/server.key",
                "--tls-ca-cert-file",
                self.ca,
                "--tls-auth-clients",
                "no",
            ]

    def _certificates(self) -> str:
        """An authority and a server certificate for 127.0.0.1 signed by it (1 day)."""
        if shutil.which("openssl") is None:
            pytest.skip("the openssl command is not installed: the TLS test makes its certificates with it")
        d = self.dir

        def openssl(*args: str) -> None:
            subprocess.run(["openssl", *args], cwd=d, check=True, capture_output=True, timeout=60)

        new_key = ["-newkey", "rsa:2048", "-nodes", "-days", "1"]
        openssl("req", "-x509", *new_key, "-keyout", "ca.key", "-out", "ca.crt", "-subj", "/CN=newsclean test CA")
        openssl("req", *new_key, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1")
        with open(f"{d}/san.cnf", "w") as f:
            f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
        signed = ["-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-extfile", "san.cnf"]
        openssl("x509", "-req", "-in", "server.csr", *signed, "-out", "server.crt", "-days", "1")
        return f"{d}/ca.crt"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                self.dir,
                *self.extra,
            ],
            stdout=open(os.path.join(self.dir, "redis.log"), "wb"),  # noqa: SIM115 (the server's)
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith((b"+PONG", b"-NOAUTH")):
                        return
            except OSError:
                time.sleep(0.05)
        self.stop()
        with open(os.path.join(self.dir, "redis.log"), "rb") as f:
            log = f.read().decode(errors="replace")
        if self.tls_port and "tls" in log.lower():
            # (Debian's and most builds have TLS; one built without it cannot run the TLS test.)
            pytest.skip(f"redis-server cannot serve TLS here (built without it?): {log.strip()[-300:]}")
        pytest.fail(f"redis-server did not start on port {self.port}: {log.strip()[-300:]}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None


@contextmanager
def running_redis(**options: Any) -> Iterator[RedisServer]:
    server = RedisServer(**options)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(server.dir, ignore_errors=True)
