"""The container's HEALTHCHECK: exit 0 when `kb serve` answers /healthz on the address it was told to use.

Run as a file (`python /app/kennisbank/ops/healthcheck.py`), not as part of the package, so that a check
every 30 seconds does not import Flask and SQLAlchemy.
"""
import os
import sys
import urllib.request


def health_url(bind: str) -> str:
    host, _, port = bind.rpartition(":")
    if host in ("", "0.0.0.0", "[::]", "::"):  # listening everywhere: loopback reaches it
        host = "127.0.0.1"
    return f"http://{host}:{port}/healthz"


def main() -> int:
    url = health_url(os.environ.get("KENNISBANK_BIND") or "0.0.0.0:8000")
    try:
        with urllib.request.urlopen(url, timeout=4) as response:
            return 0 if response.status == 200 else 1
    except OSError as error:
        print(f"{url}: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
