"""Fetch a paper's PDF from arXiv (or a mirror with its path layout) by id or URL, as a polite client.

One request at a time per process, a User-Agent that names the tool, a timeout, and a size cap read
while streaming. The base URL is a setting (`PAPERS_ARXIV_URL`) so tests serve PDFs from 127.0.0.1.
"""
from __future__ import annotations

import re
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from .errors import PapersError

USER_AGENT = "papers/0.1 (offline research-paper library; one request at a time)"
TIMEOUT_S = 60
_REF = re.compile(r"^(?:arxiv:\s*|(?:https?://)?(?:[\w.:-]+/)*?(?:abs|pdf)/)?(\d{4}\.\d{4,5})(v\d+)?(?:\.pdf)?/?$",
                  re.I)
_ONE_AT_A_TIME = threading.Lock()


class DownloadError(PapersError):
    """A paper that could not be fetched; the message names the id and the reason. `status` is the HTTP
    status the API answers with: 422 not an arXiv id, 404 no such paper, 502 arXiv unreachable or odd."""

    exit_code = 1

    def __init__(self, message: str, status: int = 502):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class ArxivRef:
    arxiv_id: str  # "2501.12948"
    version: str | None = None  # "v2", when asked for

    @property
    def name(self) -> str:
        return self.arxiv_id + (self.version or "")


def parse_arxiv_ref(text: str) -> ArxivRef:
    """`2501.12948`, `2501.12948v2`, `arXiv:2501.12948`, `https://arxiv.org/abs/2501.12948v2`, `.../pdf/...`."""
    match = _REF.match(text.strip())
    if not match:
        raise DownloadError(f"{text.strip()!r} is not an arXiv id or arXiv URL (expected e.g. 2501.12948 or "
                            "https://arxiv.org/abs/2501.12948v2)", 422)
    return ArxivRef(match.group(1), match.group(2))


def download_pdf(ref: ArxivRef, base_url: str, target: Path, max_mb: float) -> Path:
    """Write the PDF of `ref` to `target` (through a temporary file, so a failed fetch leaves nothing)."""
    url = f"{base_url.rstrip('/')}/pdf/{ref.name}"
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "application/pdf"})
    partial = target.with_name(target.name + ".part")
    limit = int(max_mb * 1024 * 1024)
    try:
        with _ONE_AT_A_TIME, urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
            data = response.read(limit + 1)
    except urllib.error.HTTPError as exc:
        reason = "no such paper" if exc.code == 404 else f"the server answered HTTP {exc.code}"
        raise DownloadError(f"arXiv {ref.name}: {reason} ({url})", 404 if exc.code == 404 else 502) from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DownloadError(f"arXiv {ref.name}: could not download {url} ({reason}); nothing was changed") from None
    if len(data) > limit:
        raise DownloadError(f"arXiv {ref.name}: the PDF is over the {max_mb:g} MB limit (PAPERS_MAX_PDF_MB)")
    if not data.startswith(b"%PDF"):
        raise DownloadError(f"arXiv {ref.name}: {url} did not return a PDF")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial.write_bytes(data)
    partial.replace(target)
    return target
