"""`papers add ID|URL` against a local HTTP server that serves PDFs under arXiv's path layout (never the
real site): the id and version recorded, nothing fetched twice, and one clear line for every failure."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from helpers import free_port, papers_cli
from ingest.arxiv_download import DownloadError, parse_arxiv_ref

SYNTHETIC = "2401.01234"  # pdf_factory's paper, stamped v2


@pytest.mark.parametrize("text, name", [
    ("2501.12948", "2501.12948"), ("2501.12948v2", "2501.12948v2"), ("arXiv:2501.12948", "2501.12948"),
    ("https://arxiv.org/abs/2501.12948v2", "2501.12948v2"), ("https://arxiv.org/pdf/2501.12948v1.pdf", "2501.12948v1"),
    ("arxiv.org/abs/2412.00001", "2412.00001"), (" 2501.12948 ", "2501.12948"),
])
def test_arxiv_ids_and_urls_are_understood(text, name):
    assert parse_arxiv_ref(text).name == name


@pytest.mark.parametrize("text", ["", "hello", "https://example.org/paper.pdf", "2501.129", "1234.56789.pdfx"])
def test_anything_else_is_refused(text):
    with pytest.raises(DownloadError, match="not an arXiv id"):
        parse_arxiv_ref(text)


@pytest.fixture
def arxiv(synthetic_pdf):
    """A local server with arXiv's layout: /pdf/ID and /pdf/IDvN; every request it saw, with its User-Agent."""
    seen: list[tuple[str, str]] = []
    body = synthetic_pdf.read_bytes()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the http.server API)
            seen.append((self.path, self.headers.get("User-Agent", "")))
            if self.path in (f"/pdf/{SYNTHETIC}", f"/pdf/{SYNTHETIC}v2"):
                self.send_response(200)
                self.send_header("Content-Type", "application/pdf")
                self.end_headers()
                self.wfile.write(body)
            elif self.path == "/pdf/2402.00002":  # a page instead of a PDF (as a captcha or error page would be)
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.end_headers()
                self.wfile.write(b"<html>Please verify you are human</html>")
            else:
                self.send_error(404)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", seen
    server.shutdown()


def test_add_by_url_records_id_and_version_and_is_not_fetched_twice(home, arxiv):
    url, seen = arxiv
    done = papers_cli("add", f"https://arxiv.org/abs/{SYNTHETIC}v2", env_home=home, PAPERS_ARXIV_URL=url)
    assert done.returncode == 0, done.stderr
    assert seen[0][0] == f"/pdf/{SYNTHETIC}v2" and seen[0][1].startswith("papers/")
    shown = json.loads(papers_cli("show", SYNTHETIC, "--json", env_home=home).stdout)
    assert (shown["arxiv_id"], shown["arxiv_version"], shown["status"]) == (SYNTHETIC, "v2", "ready")
    assert (home / "papers" / f"{SYNTHETIC}v2.pdf").exists()

    again = papers_cli("add", SYNTHETIC, env_home=home, PAPERS_ARXIV_URL=url)
    assert again.returncode == 0 and "already in the library" in again.stdout
    assert len(seen) == 1  # nothing fetched again


def test_failures_are_one_line_naming_the_id_and_change_nothing(home, arxiv, synthetic_pdf):
    url, _ = arxiv
    assert papers_cli("ingest", str(synthetic_pdf), env_home=home).returncode == 0
    before = papers_cli("list", "--json", env_home=home).stdout
    cases = [("2409.99999", url, "arXiv 2409.99999: no such paper"),
             ("2402.00002", url, "arXiv 2402.00002: http://127.0.0.1"),  # ... did not return a PDF
             ("2501.12948", f"http://127.0.0.1:{free_port()}", "arXiv 2501.12948: could not download"),
             ("not-an-id", url, "'not-an-id' is not an arXiv id")]
    for ref, base, message in cases:
        done = papers_cli("add", ref, env_home=home, PAPERS_ARXIV_URL=base)
        assert done.returncode == 1, done
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("papers: " + message), done.stderr
    assert "did not return a PDF" in papers_cli("add", "2402.00002", env_home=home, PAPERS_ARXIV_URL=url).stderr
    assert papers_cli("list", "--json", env_home=home).stdout == before
    assert not list((home / "papers").glob("*"))  # no partial or refused download left behind
