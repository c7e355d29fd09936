"""Scale-out: the same ingest code against a real `chroma run` server on 127.0.0.1."""
from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import chromadb
import pytest

from helpers import make_config
from index.library import Library


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def chroma_server(tmp_path):
    exe = Path(sys.executable).parent / "chroma"
    port = _free_port()
    process = subprocess.Popen([str(exe if exe.exists() else shutil.which("chroma")), "run", "--path",
                                str(tmp_path / "server-data"), "--host", "127.0.0.1", "--port", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = None
    for _ in range(120):
        try:
            client = chromadb.HttpClient(host="127.0.0.1", port=port)
            client.heartbeat()
            break
        except Exception:
            time.sleep(0.5)
    else:
        process.kill()
        pytest.fail("chroma server did not start")
    yield port, client
    process.terminate()
    process.wait(timeout=30)


def test_ingest_into_chroma_server(home, chroma_server, synthetic_pdf):
    port, client = chroma_server
    library = Library(make_config(home, PAPERS_CHROMA_URL=f"http://127.0.0.1:{port}").library)
    outcome = library.ingest([synthetic_pdf])[0]
    assert outcome.status == "added"
    collection = client.get_collection("chunks")
    assert collection.count() == outcome.chunks
    assert collection.configuration_json["hnsw"]["space"] == "cosine"
    assert not (home / "index").exists(), "nothing written to the embedded store"
    vector = library.embedder.embed_queries(["Which limitations does the study have?"])[0]
    hits = library.store.query(vector, 3, where={"kind": "body"})
    assert any("Limitations" in h.meta.section for h in hits)
    assert library.ingest([synthetic_pdf])[0].status == "unchanged"
    assert collection.count() == outcome.chunks
