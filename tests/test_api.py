"""The HTTP API over a running `papers ui` (the app's own server), with a real HTTP client: the paper list
and detail, upload and delete, a streamed answer from the local LLM, reports, similar papers, page images,
the error codes (unknown id, bad PDF, the LLM down) and the password."""
from __future__ import annotations

import json
import shutil

import httpx
import pytest

from helpers import SIMILAR_SET, free_port, start_app, stop_app

MOBA = SIMILAR_SET[0]
SYNTHETIC = "2401.01234"
pytestmark = pytest.mark.llm


@pytest.fixture(scope="module")
def api(corpus_home, tmp_path_factory):
    base = tmp_path_factory.mktemp("api")
    home = base / "home"
    shutil.copytree(corpus_home, home)
    process, url = start_app(home, base / "app.log", PAPERS_ARXIV_URL=f"http://127.0.0.1:{free_port()}")
    with httpx.Client(base_url=url + "api/v1", timeout=300) as client:
        yield client, home
    stop_app(process)


def _events(response: httpx.Response) -> list[tuple[str, dict]]:
    events, name = [], None
    for line in response.iter_lines():
        if line.startswith("event: "):
            name = line[7:]
        elif line.startswith("data: "):
            events.append((name, json.loads(line[6:])))
    return events


def test_papers_and_one_paper(api):
    client, _ = api
    papers = client.get("/papers").json()
    assert {p["arxiv_id"] for p in papers} == set(SIMILAR_SET)
    assert all(p["title"] and p["pages"] > 5 and p["chunks"] > 20 for p in papers)
    moba = client.get(f"/papers/{MOBA}").json()
    assert moba["title"] == "MoBA: Mixture of Block Attention for Long-Context LLMs"
    assert len(moba["abstract"]) > 300 and moba["references"]
    assert all(1 <= s["page"] <= moba["pages"] for s in moba["sections"]) and len(moba["sections"]) > 5
    assert client.get("/docs").status_code == 200 and "/api/v1/ask" in client.get("/openapi.json").text


def test_unknown_papers_are_404_with_the_reason(api):
    client, _ = api
    for method, path in (("GET", "/papers/9999.99999"), ("DELETE", "/papers/9999.99999"),
                         ("GET", "/papers/9999.99999/report"), ("GET", "/papers/9999.99999/similar")):
        response = client.request(method, path)
        assert response.status_code == 404 and "no paper matches '9999.99999'" in response.json()["detail"]


def test_upload_a_pdf_then_a_bad_one_then_delete(api, synthetic_pdf):
    client, home = api
    added = client.post("/papers", files={"file": ("my paper.pdf", synthetic_pdf.read_bytes(), "application/pdf")})
    assert added.status_code == 201 and added.json()["paper_id"] == SYNTHETIC, added.text
    again = client.post("/papers", files={"file": ("my paper.pdf", synthetic_pdf.read_bytes(), "application/pdf")})
    assert again.status_code == 200 and again.json()["status"] == "unchanged"
    bad = client.post("/papers", files={"file": ("broken.pdf", b"%PDF-1.7\nnot really a pdf", "application/pdf")})
    assert bad.status_code == 422 and bad.json()["detail"].startswith("broken.pdf: ")
    assert len(client.get("/papers").json()) == len(SIMILAR_SET) + 1
    assert client.delete(f"/papers/{SYNTHETIC}").json()["deleted"] == SYNTHETIC
    assert client.get(f"/papers/{SYNTHETIC}").status_code == 404
    assert not (home / "papers" / "my_paper.pdf").exists()


def test_arxiv_ids_that_cannot_be_added(api):
    client, _ = api
    unreachable = client.post("/papers/arxiv", json={"ref": "https://arxiv.org/abs/2501.12948v2"})
    assert unreachable.status_code == 502
    assert unreachable.json()["detail"].startswith("arXiv 2501.12948v2: could not download")
    assert client.post("/papers/arxiv", json={"ref": "no id"}).status_code == 422
    assert len(client.get("/papers").json()) == len(SIMILAR_SET)


def test_a_streamed_answer_with_evidence_first_and_sources(api):
    client, _ = api
    with client.stream("POST", "/ask", json={"question": "What block size does MoBA use?", "papers": [MOBA]}) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        events = _events(r)
    names = [name for name, _ in events]
    assert names[0] == "evidence" and names[-1] == "done" and names.count("token") >= 2
    assert events[0][1]["quotes"] and all(q["paper_id"] == MOBA for q in events[0][1]["quotes"])
    done = events[-1][1]
    assert done["text"] == "".join(data["text"] for name, data in events if name == "token")
    assert done["citations"] and all(c["paper_id"] == MOBA and c["page"] >= 1 for c in done["citations"])
    assert client.post("/ask", json={"question": "  "}).status_code == 400


def test_reports_similar_papers_and_page_images(api):
    client, _ = api
    missing = client.get(f"/papers/{MOBA}/report", params={"lang": "en"})
    assert missing.status_code == 404 and "POST" in missing.json()["detail"]
    similar = client.get(f"/papers/{SIMILAR_SET[3]}/similar", params={"top": 2}).json()["similar"]
    assert similar[0]["arxiv_id"] == SIMILAR_SET[2] and similar[0]["matches"]  # Kimi-Audio -> Qwen2.5-Omni
    quote = "MoBA pioneers its application to long context attention"
    page = client.get(f"/papers/{MOBA}/pages/2.png", params={"quote": quote})
    assert page.status_code == 200 and page.content.startswith(b"\x89PNG")
    assert (page.headers["x-quote-found"], page.headers["x-pages"]) == ("true", "15")
    elsewhere = client.get(f"/papers/{MOBA}/pages/3.png", params={"quote": quote})
    assert elsewhere.headers["x-quote-found"] == "false"  # not on that page: nothing highlighted


def test_llm_down_is_503_and_the_password_guards_the_api(corpus_home, tmp_path):
    home = tmp_path / "home"
    shutil.copytree(corpus_home, home)
    process, url = start_app(home, tmp_path / "app.log", OPENAI_BASE_URL=f"http://127.0.0.1:{free_port()}/v1",
                             PAPERS_UI_PASSWORD="s3cret")
    try:
        with httpx.Client(base_url=url + "api/v1", timeout=60) as anonymous:
            assert anonymous.get("/papers").status_code == 401
        with httpx.Client(base_url=url + "api/v1", timeout=60, auth=("papers", "wrong")) as wrong:
            assert wrong.get("/papers").status_code == 401
        with httpx.Client(base_url=url + "api/v1", timeout=60, auth=("papers", "s3cret")) as client:
            assert len(client.get("/papers").json()) == len(SIMILAR_SET)
            for path, body in (("/ask", {"question": "What is MoBA?"}), (f"/papers/{MOBA}/report", {"lang": "ja"})):
                down = client.post(path, json=body)
                assert down.status_code == 503 and "does not answer" in down.json()["detail"], down.text
            assert client.get(f"/papers/{MOBA}/similar").status_code == 200  # no LLM needed
    finally:
        stop_app(process)
