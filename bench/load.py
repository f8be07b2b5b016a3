"""Load generators: wrk when it is installed, otherwise a small one in Python.

Both keep a fixed number of connections busy for a fixed time and report requests per second,
the 50th and 99th latency percentiles, and how many requests failed (a socket error or a status
of 400 or more). A workload says what to send; it can describe itself as a wrk Lua script.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from helpers import loadgen

REQUEST_TIMEOUT = loadgen.REQUEST_TIMEOUT


@dataclass(frozen=True)
class Result:
    """What one load run measured."""

    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int


class Workload(Protocol):
    """What a load generator sends: request number `n` of connection `connection`."""

    def request(self, connection: int, n: int) -> tuple[str, str, bytes | None]:
        """The method, path and body of one request."""
        ...

    def lua(self) -> str:
        """The same requests as a wrk script."""
        ...


@dataclass(frozen=True)
class Redirects:
    """GET requests cycling over `paths`, each of which should redirect."""

    paths: tuple[str, ...]

    def request(self, connection: int, n: int) -> tuple[str, str, bytes | None]:
        return "GET", self.paths[(connection + n) % len(self.paths)], None

    def lua(self) -> str:
        paths = ", ".join(json.dumps(path) for path in self.paths)
        return f"""
local paths = {{{paths}}}
local i = 0
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
"""


@dataclass(frozen=True)
class Creates:
    """POST requests of JSON `{"url": ...}` to `path`, each with a URL never sent before."""

    path: str
    url_prefix: str

    def request(self, connection: int, n: int) -> tuple[str, str, bytes | None]:
        return "POST", self.path, json.dumps({"url": f"{self.url_prefix}{connection}/{n}"}).encode()

    def lua(self) -> str:
        # Each wrk thread has its own Lua state; setup() gives each one a distinct id.
        return f"""
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end
local n = 0
request = function()
  n = n + 1
  local body = string.format('{{"url": "{self.url_prefix}%d/%d"}}', id, n)
  return wrk.format("POST", "{self.path}", {{["Content-Type"] = "application/json"}}, body)
end
"""


def wrk_available() -> bool:
    """True when the wrk executable is on the PATH."""
    return shutil.which("wrk") is not None


def run_wrk(base_url: str, workload: Workload, connections: int, seconds: int) -> Result:
    """Load `base_url` with wrk (2 threads, `connections` connections) for `seconds`."""
    with tempfile.TemporaryDirectory() as scratch:
        script = Path(scratch) / "workload.lua"
        script.write_text(workload.lua())
        command = ["wrk", "--latency", f"--timeout={REQUEST_TIMEOUT:g}s", "-t2"]
        command += [f"-c{connections}", f"-d{seconds}s", f"-s{script}", base_url]
        completed = subprocess.run(
            command, capture_output=True, text=True, check=True, timeout=seconds + 30
        )
    return parse_wrk(completed.stdout)


_UNITS_MS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def parse_wrk(output: str) -> Result:
    """Read requests/s, p50, p99 and the failures out of `wrk --latency` output."""

    def percentile(label: str) -> float:
        match = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.MULTILINE)
        if match is None:
            raise ValueError(f"no {label}% latency in wrk's output:\n{output}")
        return float(match[1]) * _UNITS_MS[match[2]]

    rate = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.MULTILINE)
    if rate is None:
        raise ValueError(f"no Requests/sec in wrk's output:\n{output}")
    errors = sum(
        int(count) for count in re.findall(r"(?:connect|read|write|timeout) (\d+)", output)
    )
    bad_status = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors += int(bad_status[1]) if bad_status else 0
    return Result(float(rate[1]), percentile("50"), percentile("99"), errors)


def run_python(base_url: str, workload: Workload, connections: int, seconds: int) -> Result:
    """Load `base_url` with helpers.loadgen from `connections` keep-alive connections for `seconds`.

    Slower than wrk (the client shares a GIL and the machine's cores with the server), so its
    numbers are a floor; compare apps measured with the same generator only.
    """
    method = workload.request(0, 0)[0]
    measured = loadgen.run_load(
        base_url,
        lambda n: workload.request(0, n)[1],
        requests=sys.maxsize,
        concurrency=connections,
        max_seconds=seconds,
        method=method,
        body=lambda n: workload.request(0, n)[2],
        progress=False,
    )
    answered = sum(count for status, count in measured.statuses.items() if status < 400)
    failed = measured.requests - answered  # socket errors and every status of 400 or more
    return Result(measured.requests_per_second, measured.p50_ms, measured.p99_ms, failed)
