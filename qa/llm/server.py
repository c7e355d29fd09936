"""The embedded default LLM: a llama.cpp server (llama-cpp-python) on 127.0.0.1, started on demand.

One server per user, described by `<run_dir>/llm-server.json` (pid, port, model, the process's
start time), so every `papers` call and every library reuses it instead of loading the model again;
a lock file keeps two callers from starting two servers. A recorded process is only trusted (waited
for, signalled) when it is still that server: same pid *and* start time, a llama_cpp.server command
line on the recorded port. A stale file is removed, never acted on. llama-cpp-python is built from
source in `make setup`: the prebuilt llama-server wheel dies with SIGILL on CPUs without AVX-512.
"""
from __future__ import annotations

import fcntl
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ingest.errors import PapersError

BUSY_WAIT_S = 180.0  # how long a running but busy server is waited for before it is replaced
START_TIMEOUT_S = 180.0


class LLMServerError(PapersError):
    exit_code = 1


@dataclass
class ServerState:
    pid: int
    port: int
    model: str  # path of the GGUF file
    log: str
    started_at: float
    start_ticks: int = -1  # the process's start time (/proc/PID/stat): a reused pid has another
    args: list[str] = field(default_factory=list)  # the server options it was started with

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_ticks(pid: int) -> int:
    """Field 22 of /proc/PID/stat: when the process started, in clock ticks since boot (-1 if gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return int(stat.rsplit(")", 1)[1].split()[19])
    except (OSError, ValueError, IndexError):
        return -1


def _command_line(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return []


def _gone(pid: int) -> bool:
    """The process has exited (absent, or a zombie: reaped here when it is our own child)."""
    try:
        if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
            return False
    except (OSError, IndexError):
        return True
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass
    return True


def is_our_server(state: ServerState) -> bool:
    """The recorded process is alive and is still the llama_cpp.server we started on that port."""
    if _gone(state.pid) or _start_ticks(state.pid) != state.start_ticks:
        return False
    command = _command_line(state.pid)
    return "llama_cpp.server" in command and str(state.port) in command


def healthy(base_url: str, timeout: float = 2.0) -> bool:
    """True when an OpenAI-compatible server answers GET /models."""
    try:
        with urllib.request.urlopen(base_url.rstrip("/") + "/models", timeout=timeout) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


class LocalLLMServer:
    """start / status / stop of the user's local server."""

    def __init__(self, run_dir: Path, threads: int, context: int, extra_args: tuple[str, ...] = ()):
        self.run_dir = run_dir
        self.state_path = run_dir / "llm-server.json"
        self.log_path = run_dir / "llm-server.log"
        self.threads = threads
        self.context = context
        self.extra_args = list(extra_args)

    def _recorded(self) -> ServerState | None:
        """The server the state file names, if it is still ours (a stale file is removed)."""
        try:
            state = ServerState(**json.loads(self.state_path.read_text()))
        except (OSError, ValueError, TypeError):
            return None
        if is_our_server(state):
            return state
        self.state_path.unlink(missing_ok=True)
        return None

    def status(self) -> ServerState | None:
        """The running server if it answers now, else None."""
        state = self._recorded()
        return state if state and healthy(state.base_url) else None

    def running(self) -> ServerState | None:
        """The recorded server if its process lives (it may be busy and not answer right now)."""
        return self._recorded()

    def start(self, model: Path, port: int | None = None) -> ServerState:
        """Reuse the running server if it serves `model` with these options, else (re)start one."""
        if not model.exists():
            raise LLMServerError(f"model file {model} not found; run `make setup` (or `papers setup`)")
        with self._lock():
            state = self._recorded()
            wanted = self._options()
            if state and state.model == str(model) and state.args == wanted and self._answers(state):
                return state
            if state:
                self._stop(state)
            return self._spawn(model, port or _free_port(), wanted)

    def _options(self) -> list[str]:
        return ["--n_ctx", str(self.context), "--n_threads", str(self.threads), "--n_threads_batch",
                str(self.threads), *self.extra_args]

    @staticmethod
    def _answers(state: ServerState, wait_s: float = BUSY_WAIT_S) -> bool:
        """A server busy with a long request (one a killed client left behind) answers once it is
        done: wait for it rather than start a second server beside it on 2 cores."""
        deadline = time.monotonic() + wait_s
        while not healthy(state.base_url):
            if time.monotonic() > deadline or not is_our_server(state):
                return False
            time.sleep(1.0)
        return True

    def stop(self) -> ServerState | None:
        with self._lock():
            state = self._recorded()
            if state:
                self._stop(state)
            return state

    def _spawn(self, model: Path, port: int, options: list[str]) -> ServerState:
        from .config import MODEL_ALIAS

        log = self.log_path
        command = [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--model_alias", MODEL_ALIAS,
                   "--host", "127.0.0.1", "--port", str(port), *options]
        with open(log, "wb") as out:  # the server outlives this process: its own session, no pipes to us
            process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                       start_new_session=True)
        state = ServerState(process.pid, port, str(model), str(log), time.time(), _start_ticks(process.pid), options)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if process.poll() is not None:
                tail = log.read_text(errors="replace")[-1500:]
                raise LLMServerError(f"the local LLM server exited with code {process.returncode}:\n{tail}")
            if healthy(state.base_url, timeout=1.0):
                self.state_path.write_text(json.dumps(asdict(state)))
                return state
            time.sleep(0.3)
        _signal(process.pid, signal.SIGKILL)
        raise LLMServerError(f"the local LLM server did not answer within {START_TIMEOUT_S:.0f} s (log: {log})")

    def _stop(self, state: ServerState, grace_s: float = 10.0) -> None:
        """Stop a server verified to be ours (its own process group, from start_new_session), and wait
        until it is gone (reaped, when it is our child)."""
        for sig, wait_s in ((signal.SIGTERM, grace_s), (signal.SIGKILL, 5.0)):
            if not is_our_server(state):
                break
            _signal(state.pid, sig)
            if _wait_exit(state, wait_s):
                break
        self.state_path.unlink(missing_ok=True)

    @contextmanager
    def _lock(self):
        self.run_dir.mkdir(parents=True, exist_ok=True)
        with open(self.run_dir / "llm-server.lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def _wait_exit(state: ServerState, seconds: float) -> bool:
    """Wait until the server has exited: reaped, when this process started it; else gone or a zombie (another
    command started it). Not merely "no longer its command line": an exiting process loses that before it
    has released its memory and port."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if os.waitpid(state.pid, os.WNOHANG)[0] == state.pid:
                return True
        except ChildProcessError:  # not ours to reap: gone, a zombie, or its pid taken by another process
            if _gone(state.pid) or _start_ticks(state.pid) != state.start_ticks:
                return True
        time.sleep(0.1)
    return False


def _signal(pid: int, sig: int) -> None:
    """Signal the server's process group (it leads one), or just the process if it does not."""
    try:
        if os.getpgid(pid) == pid:
            os.killpg(pid, sig)
        else:
            os.kill(pid, sig)
    except ProcessLookupError:
        pass
