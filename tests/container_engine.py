"""A Docker engine for the container tests, when this machine can run one.

`make test` installs Debian's docker.io and debootstrap where they are missing (best effort). The tests
use a running engine, or start `dockerd` themselves when they run as root; otherwise they skip, saying why.
Docker Hub is not reachable from these machines, so when `python:3.11-slim` cannot be pulled a stand-in is
built: a Debian bookworm minbase made with debootstrap, plus Debian's Python 3.11 (the same minor version
as the official image), with this host's CA bundle so pip reaches PyPI through the machine's proxy.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

BASE_IMAGE = "python:3.11-slim"
STANDIN_ROOT = "kennisbank-standin-minbase:bookworm"
HOST_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
STANDIN_DOCKERFILE = f"""FROM {STANDIN_ROOT}
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
RUN apt-get update -qq \\
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \\
       python3 python3-venv python3-pip ca-certificates >/dev/null \\
    && rm -rf /var/lib/apt/lists/* && ln -s /usr/bin/python3 /usr/local/bin/python
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
"""


class EngineUnavailable(RuntimeError):
    """No container engine can run here; the message is the reason the tests skip."""


class Engine:
    def __init__(self) -> None:
        self.started: subprocess.Popen | None = None
        self.log = Path(tempfile.gettempdir()) / "kennisbank-dockerd.log"

    def docker(self, *args: str, timeout: float = 600, check: bool = True, **kwargs) -> subprocess.CompletedProcess:
        result = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout, **kwargs)
        if check and result.returncode != 0:
            raise AssertionError(f"docker {' '.join(args)} failed ({result.returncode}):\n"
                                 f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
        return result

    def _answers(self) -> bool:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=30).returncode == 0

    def ensure_running(self) -> Engine:
        if not shutil.which("docker"):
            raise EngineUnavailable("no docker client on this machine (make test installs Debian's docker.io "
                                    "where apt-get works)")
        if self._answers():
            return self
        if not shutil.which("dockerd"):
            raise EngineUnavailable("the docker client is here, but no engine runs and dockerd is not installed")
        if os.geteuid() != 0:
            raise EngineUnavailable("no Docker engine runs and starting dockerd needs root")
        with self.log.open("w") as log:
            # Everything here runs on the host network: no bridge or iptables rules to set up (or to fail).
            self.started = subprocess.Popen(["dockerd", "--bridge=none", "--iptables=false"], stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.started.poll() is not None:
                raise EngineUnavailable(f"dockerd could not start here (exit {self.started.returncode}): "
                                        f"{self._last_log_line()}")
            if self._answers():
                return self
            time.sleep(0.5)
        self.stop()
        raise EngineUnavailable(f"dockerd did not answer within 60 s: {self._last_log_line()}")

    def _last_log_line(self) -> str:
        lines = [line for line in self.log.read_text(errors="replace").splitlines() if "level=" in line]
        errors = [line for line in lines if "level=error" in line or "level=fatal" in line]
        return (errors or lines or ["(no log)"])[-1][-400:]

    def stop(self) -> None:
        if self.started and self.started.poll() is None:
            self.started.terminate()
            try:
                self.started.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.started.kill()

    def has_image(self, tag: str) -> bool:
        return self.docker("image", "inspect", tag, check=False).returncode == 0

    def ensure_base_image(self) -> str:
        """The official base image, pulled; or where Docker Hub is out of reach, the stand-in under its name."""
        if self.has_image(BASE_IMAGE):
            return "present"
        if self.docker("pull", BASE_IMAGE, check=False, timeout=300).returncode == 0:
            return "pulled"
        self._build_standin()
        return "stand-in"

    def _build_standin(self) -> None:
        if not shutil.which("debootstrap") or not HOST_CA_BUNDLE.exists():
            raise EngineUnavailable(f"{BASE_IMAGE} cannot be pulled here and debootstrap (or the host CA bundle) "
                                    "is missing to build a stand-in")
        with tempfile.TemporaryDirectory(prefix="kb-standin-") as work:
            root, context = Path(work) / "root", Path(work) / "context"
            if not self.has_image(STANDIN_ROOT):
                made = subprocess.run(["debootstrap", "--variant=minbase", "bookworm", str(root),
                                       "http://deb.debian.org/debian"], capture_output=True, text=True, timeout=900)
                if made.returncode != 0:
                    raise EngineUnavailable(f"{BASE_IMAGE} cannot be pulled and debootstrap failed: "
                                            f"{made.stderr.strip()[-400:]}")
                tar = subprocess.Popen(["tar", "-C", str(root), "-c", "."], stdout=subprocess.PIPE)
                imported = subprocess.run(["docker", "import", "-", STANDIN_ROOT], stdin=tar.stdout,
                                          capture_output=True, text=True, timeout=600)
                tar.stdout.close()
                tar.wait()
                if imported.returncode != 0:
                    raise AssertionError(f"docker import failed: {imported.stderr}")
            context.mkdir()
            shutil.copy(HOST_CA_BUNDLE, context / "ca-certificates.crt")
            (context / "Dockerfile").write_text(STANDIN_DOCKERFILE)
            self.docker("build", "--network", "host", "-t", BASE_IMAGE, str(context), timeout=900)
