"""The embedded default LLM: a llama.cpp server (llama-cpp-python) on 127.0.0.1, started on demand.

One server per data directory, described by `run/llm-server.json` (pid, port, model), so every
`papers` call reuses it instead of loading the model again; a lock file keeps two callers from
starting two servers. llama-cpp-python is built from source in `make setup`: the prebuilt
llama-server wheel dies with SIGILL on CPUs without AVX-512 (see the issue 2 note).
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
from dataclasses import asdict, dataclass
from pathlib import Path

MODEL_ALIAS = "local"
BUSY_WAIT_S = 180.0  # how long a running but busy server is waited for before it is replaced
START_TIMEOUT_S = 180.0


class LLMServerError(RuntimeError):
    pass


@dataclass
class ServerState:
    pid: int
    port: int
    model: str  # path of the GGUF file
    log: str
    started_at: float

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _alive(pid: int) -> bool:
    try:
        os.waitpid(pid, os.WNOHANG)  # reap it if it is our own child that exited
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def healthy(base_url: str, timeout: float = 2.0) -> bool:
    """True when an OpenAI-compatible server answers GET /models."""
    try:
        with urllib.request.urlopen(base_url.rstrip("/") + "/models", timeout=timeout) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


class LocalLLMServer:
    """start / status / stop of the local server for one data directory."""

    def __init__(self, run_dir: Path, threads: int | None = None, context: int = 4096):
        self.run_dir = run_dir
        self.state_path = run_dir / "llm-server.json"
        self.threads = threads or os.cpu_count() or 2
        self.context = context

    def _recorded(self) -> ServerState | None:
        """The server the state file names, if its process is alive (a stale file is removed)."""
        try:
            state = ServerState(**json.loads(self.state_path.read_text()))
        except (OSError, ValueError, TypeError):
            return None
        if _alive(state.pid):
            return state
        self.state_path.unlink(missing_ok=True)
        return None

    def status(self) -> ServerState | None:
        """The running server if it answers now, else None."""
        state = self._recorded()
        return state if state and healthy(state.base_url) else None

    def start(self, model: Path, port: int | None = None) -> ServerState:
        """Reuse the running server if it serves `model`, else (re)start one and wait until it answers."""
        if not model.exists():
            raise LLMServerError(f"model file {model} not found; run `make setup` (or `papers setup`)")
        with self._lock():
            state = self._recorded()
            if state and state.model == str(model) and self._answers(state):
                return state
            if state:
                self._stop(state)
            return self._spawn(model, port or _free_port())

    @staticmethod
    def _answers(state: ServerState, wait_s: float = BUSY_WAIT_S) -> bool:
        """A server busy with a long request (one a killed client left behind) answers once it is
        done: wait for it rather than start a second server beside it on 2 cores."""
        deadline = time.monotonic() + wait_s
        while not healthy(state.base_url):
            if time.monotonic() > deadline or not _alive(state.pid):
                return False
            time.sleep(1.0)
        return True

    def stop(self) -> ServerState | None:
        with self._lock():
            try:
                state = ServerState(**json.loads(self.state_path.read_text()))
            except (OSError, ValueError, TypeError):
                return None
            self._stop(state)
            return state

    def _spawn(self, model: Path, port: int) -> ServerState:
        log = self.run_dir / "llm-server.log"
        command = [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--model_alias", MODEL_ALIAS,
                   "--host", "127.0.0.1", "--port", str(port), "--n_ctx", str(self.context),
                   "--n_threads", str(self.threads), "--n_threads_batch", str(self.threads)]
        with open(log, "wb") as out:  # the server outlives this process: its own session, no pipes to us
            process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                       start_new_session=True)
        state = ServerState(process.pid, port, str(model), str(log), time.time())
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if process.poll() is not None:
                tail = log.read_text(errors="replace")[-1500:]
                raise LLMServerError(f"the local LLM server exited with code {process.returncode}:\n{tail}")
            if healthy(state.base_url, timeout=1.0):
                self.state_path.write_text(json.dumps(asdict(state)))
                return state
            time.sleep(0.3)
        os.killpg(process.pid, signal.SIGKILL)
        raise LLMServerError(f"the local LLM server did not answer within {START_TIMEOUT_S:.0f} s (log: {log})")

    def _stop(self, state: ServerState, grace_s: float = 10.0) -> None:
        if _alive(state.pid):
            try:
                os.killpg(state.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            deadline = time.monotonic() + grace_s
            while _alive(state.pid) and time.monotonic() < deadline:
                time.sleep(0.1)
            if _alive(state.pid):
                os.killpg(state.pid, signal.SIGKILL)
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
