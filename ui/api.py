"""The HTTP API (`/api/v1/...`): the same core as the CLI and the app, as JSON, served by the app's own
server. OpenAPI docs at `/api/v1/docs`. Answers stream as server-sent events. When the app has a
password, every API route asks for it too (HTTP Basic, the app's user and password).

Errors are JSON `{"detail": "..."}` with the message the CLI would print: 404 an unknown paper or
report, 422 a file or id that cannot be used, 413 an upload over the size limit, 502 arXiv not
reachable, 503 the LLM down.
"""
from __future__ import annotations

import json
import secrets
import tempfile
from collections.abc import Iterator
from pathlib import Path

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response, StreamingResponse
from fastapi.security import HTTPBasic, HTTPBasicCredentials
from pydantic import BaseModel, Field

from index.library import FAILED, PaperNotFound
from ingest.arxiv_download import DownloadError
from ingest.errors import ConfigError, IngestError, PapersError
from qa.llm.chat import LLMUnavailable

from .backend import KEPT, Backend, safe_pdf_name

PREFIX = "/api/v1"
UPLOAD_CHUNK = 1 << 20


class AskRequest(BaseModel):
    question: str = Field(description="English or Japanese")
    papers: list[str] = Field(default_factory=list, description="only these papers (ids, arXiv ids or titles)")
    lang: str | None = Field(default=None, description="answer language, en or ja (default: the question's)")
    history: list[tuple[str, str]] = Field(default_factory=list, description="earlier (question, answer) turns")
    k: int = Field(default=5, ge=1, le=20, description="passages given to the LLM")


class ReportRequest(BaseModel):
    lang: str = Field(default="ja", pattern="^(ja|en)$")
    regenerate: bool = False
    format: str = Field(default="report", pattern="^(report|digest|summary)$")


class ArxivRequest(BaseModel):
    ref: str = Field(description="2501.12948, 2501.12948v2 or https://arxiv.org/abs/2501.12948v2")


def _status(exc: PapersError) -> int:
    if isinstance(exc, PaperNotFound):
        return 404
    if isinstance(exc, LLMUnavailable):
        return 503
    if isinstance(exc, DownloadError):
        return exc.status
    if isinstance(exc, (IngestError, ConfigError)):
        return 422
    return 400


def _outcome(o) -> dict:
    return {"file": o.path.name, "status": o.status, "message": o.message, "paper_id": o.paper_id,
            "pages": o.pages, "chunks": o.chunks}


def _sse(event: str, data) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def api_router(backend: Backend) -> APIRouter:
    config = backend.config
    guard = []
    if config.ui.password:
        basic = HTTPBasic(realm="papers")

        def check(credentials: HTTPBasicCredentials = Depends(basic)) -> None:
            ok = secrets.compare_digest(credentials.username.encode(), config.ui.user.encode()) & \
                secrets.compare_digest(credentials.password.encode(), config.ui.password.encode())
            if not ok:
                raise HTTPException(401, "wrong user or password", headers={"WWW-Authenticate": 'Basic realm="papers"'})

        guard = [Depends(check)]
    api = APIRouter(prefix=PREFIX, dependencies=guard)

    @api.get("/papers", summary="The papers of the library")
    def papers() -> list[dict]:
        return [r.to_dict() for r in backend.papers()]

    @api.get("/papers/{paper_id}", summary="One paper: metadata, abstract, sections with pages, references")
    def paper(paper_id: str) -> dict:
        return backend.paper_detail(paper_id)

    @api.delete("/papers/{paper_id}", summary="Delete a paper, its chunks and its uploaded PDF")
    def delete(paper_id: str) -> dict:
        record = backend.delete(paper_id)
        return {"deleted": record.paper_id, "title": record.title}

    @api.post("/papers", summary="Upload a PDF and ingest it", status_code=201)
    def upload(file: UploadFile) -> JSONResponse:
        limit = int(config.library.limits.max_pdf_mb * 1024 * 1024)
        with tempfile.TemporaryDirectory(prefix="papers-upload-") as folder:
            path = Path(folder) / safe_pdf_name(file.filename or "paper.pdf")
            size = 0
            with path.open("wb") as out:
                while chunk := file.file.read(UPLOAD_CHUNK):
                    size += len(chunk)
                    if size > limit:
                        raise HTTPException(413, f"{file.filename}: over the {limit / 2**20:g} MB limit "
                                                 "(PAPERS_MAX_PDF_MB)")
                    out.write(chunk)
            outcome = backend.add_pdfs([path], upload_folder=Path(folder))[0]
        outcome.path = Path(file.filename or path.name)
        if outcome.status == FAILED:
            raise HTTPException(422, f"{outcome.path.name}: {outcome.message}")
        return JSONResponse(_outcome(outcome), status_code=201 if outcome.status in KEPT else 200)

    @api.post("/papers/arxiv", summary="Download a paper from arXiv (PAPERS_ARXIV_URL) and ingest it")
    def add_arxiv(request: ArxivRequest) -> dict:
        outcome = backend.add_arxiv(request.ref)
        if outcome.status == FAILED:
            raise HTTPException(422, f"{request.ref}: {outcome.message}")
        return _outcome(outcome)

    @api.get("/papers/{paper_id}/pages/{page}.png", summary="A page of the paper's PDF, a quote highlighted",
             response_class=Response, responses={200: {"content": {"image/png": {}}}})
    def page_image(paper_id: str, page: int, quote: str = "") -> Response:
        record = backend.library.resolve(paper_id)
        image = backend.library.pages.render(record.paper_id, page, quote)
        if image is None:
            raise HTTPException(404, f"the PDF of {record.paper_id} is no longer at {record.source}")
        return Response(image.png, media_type="image/png",
                        headers={"X-Page": str(image.page), "X-Pages": str(image.pages),
                                 "X-Quote-Found": str(image.found).lower()})

    @api.post("/ask", summary="A cited answer, streamed as server-sent events",
              description="Events: `evidence` (quoted sentences, before the answer), `token` (text deltas), "
                          "`done` (the answer with citations, unsupported numbers, timings) or `error`.")
    def ask(request: AskRequest) -> StreamingResponse:
        if problem := backend.llm_problem():
            raise HTTPException(503, problem)
        stream = backend.asker.ask(request.question, paper_keys=request.papers or None, k=request.k,
                                   lang=request.lang, history=[tuple(t) for t in request.history])

        def events() -> Iterator[str]:
            answer = stream.answer
            yield _sse("evidence", {"weak": answer.evidence_weak, "quotes": [e.to_dict() for e in answer.evidence]})
            for delta in stream:
                yield _sse("token", {"text": delta})
            if answer.error:
                yield _sse("error", {"detail": answer.error})
            yield _sse("done", {"question": answer.question, "standalone": answer.standalone, "lang": answer.lang,
                                "text": answer.text, "refused": answer.refused, "unsupported": answer.unsupported,
                                "citations": [c.to_dict() for c in answer.shown], "timings": answer.timings})

        return StreamingResponse(events(), media_type="text/event-stream")

    @api.get("/papers/{paper_id}/report", summary="The saved report (404 if none is current); format: report "
                                                  "(8 sections), digest (one entry) or summary (the long format)")
    def report(paper_id: str, lang: str = Query("ja", pattern="^(ja|en)$"),
               format: str = Query("report", pattern="^(report|digest|summary)$")) -> dict:  # noqa: A002
        record = backend.library.resolve(paper_id)
        saved = backend.writers[format].saved(record, lang)
        if saved is None:
            raise HTTPException(404, f"no current {lang} {format} of {record.paper_id}: POST to this URL writes one")
        return _report(saved, True)

    @api.post("/papers/{paper_id}/report", summary="Write the report in the requested format (minutes on a CPU), "
                                                   "or return the saved one while it is current")
    def write_report(paper_id: str, request: ReportRequest) -> dict:
        record = backend.library.resolve(paper_id)
        writer = backend.writers[request.format]
        if request.regenerate or writer.saved(record, request.lang) is None:
            if problem := backend.llm_problem():
                raise HTTPException(503, problem)
        report, saved = writer.get(record, request.lang, request.regenerate)
        return _report(report, saved)

    @api.get("/papers/{paper_id}/similar", summary="The papers closest to this one, with the passages behind it")
    def similar(paper_id: str, top: int = Query(5, ge=1, le=50), passages: int = Query(3, ge=0, le=10)) -> dict:
        target, found = backend.similar.like_paper(paper_id, top, passages)
        return {"paper_id": target.paper_id, "similar": [s.to_dict() for s in found]}

    return api


def _report(report, saved: bool) -> dict:
    return {"paper_id": report.paper_id, "lang": report.lang, "title": report.title, "model": report.model,
            "seconds": report.seconds, "saved": saved, "format": report.kind, "markdown": report.markdown}


def build_api(backend: Backend) -> FastAPI:
    """A FastAPI app holding the API routes (the web app is mounted on it by `ui.app.serve`)."""
    app = FastAPI(title="papers API", version="1", docs_url=f"{PREFIX}/docs", redoc_url=None,
                  openapi_url=f"{PREFIX}/openapi.json")

    @app.exception_handler(PapersError)
    def papers_error(request: Request, exc: PapersError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=_status(exc))

    app.include_router(api_router(backend))
    return app
