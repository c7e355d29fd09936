"""The web app (`papers ui`): Chat, Reports, Similar and Library tabs over one library.

Layout and event wiring only; the work is done by ui/backend.py. Binds 127.0.0.1 unless told
otherwise; PAPERS_UI_PASSWORD (user PAPERS_UI_USER, default "papers") puts a login in front.
"""
from __future__ import annotations

import html
import io
import sys
from pathlib import Path

import gradio as gr
from gradio import utils as gradio_utils
from PIL import Image

from ingest.errors import PapersError
from ingest.text import clip
from qa.answer.chain import Answer
from qa.answer.citations import Citation
from qa.answer.evidence import WEAK_EVIDENCE
from qa.llm.chat import LLMUnavailable
from qa.report.format import FORMATS
from qa.similar import SimilarPaper

from .backend import KEPT, Backend, StagedIngestProgress
from .config import Config

LIBRARY_HEADERS = ["id", "arXiv", "title", "authors", "pages", "chunks", "sections", "tables", "references",
                   "status", "file"]
REFERENCES_SHOWN = 60
NO_REPORT = "_Nothing saved for this paper in this format and language yet: **Generate** writes it (minutes on a CPU)._"


# ---- rendering ------------------------------------------------------------------------------
def banner(problem: str | None) -> dict:
    text = f"⚠️ **LLM unavailable** — {problem} Search, similar papers and the library keep working." \
        if problem else ""
    return gr.update(value=text, visible=bool(problem))


def _e(text: str) -> str:
    """Paper text as shown text: never markup (a title may hold `<img ...>`)."""
    return html.escape(" ".join(text.split()), quote=False)


def _md(markdown: str) -> str:
    """Markdown written from paper text (a report, a note): its markdown stays, any HTML in it shows as text."""
    return html.escape(markdown, quote=False)


def source_label(citation: Citation) -> str:
    """Plain text (a Radio choice): escaped where it is rendered into markdown."""
    p = citation.passage
    return f"[{citation.number}] {clip(p.title, 60, '…')} · {clip(p.section_path, 60, '…')} · p.{citation.page}"


def source_view(citation: Citation) -> str:
    p = citation.passage
    return (f"### {_e(p.title)}\n\n**Section:** {_e(p.section_path)} · "
            f"**Page:** {citation.page} · **Passage pages:** {p.pages}\n\n> {_e(citation.quote)}\n\n---\n\n"
            f"{html.escape(p.text, quote=False)}")


def evidence_markdown(answer: Answer) -> str:
    """The papers' sentences that answer the question, quoted before the model's prose."""
    if not answer.evidence:
        return ""
    weak = f" ({WEAK_EVIDENCE})" if answer.evidence_weak else ""
    return f"**Evidence**{weak}\n" + "\n".join(f"- “{_e(' '.join(e.quote.split()))}” — {_e(source_label(e))}"
                                               for e in answer.evidence)


def streaming_markdown(answer: Answer, text: str) -> str:
    """While the answer streams: the evidence, then the text so far."""
    return "\n\n".join(part for part in (evidence_markdown(answer), _md(text.strip())) if part)


def answer_markdown(answer: Answer) -> str:
    parts = [streaming_markdown(answer, answer.text)]
    if answer.error:
        parts.append(f"⚠️ {_e(answer.error)}")
    if answer.unsupported:
        parts.append("⚠️ Not found in the sources, check before use: " + _e(", ".join(answer.unsupported)))
    if answer.shown:
        heading = "**Sources** (open one below)" if answer.cites else "**Retrieved passages** (none cited)"
        parts.append(heading + "\n" + "\n".join(f"- {_e(source_label(c))}" for c in answer.shown))
    return "\n\n".join(part for part in parts if part)


def similar_markdown(results: list[SimilarPaper], heading: str) -> str:
    if not results:
        return f"{heading}\n\n_No other papers in the library._"
    lines = [heading]
    for rank, r in enumerate(results, 1):
        lines.append(f"\n### {rank}. {_e(r.title)}\n`{_e(r.arxiv_id or r.paper_id)}` · score **{r.score:.3f}**\n")
        for m in r.matches:
            theirs = f"p.{m.passage.pages} _{_e(m.passage.section_path)}_: {_snippet(m.passage.text)}"
            if m.mine is not None:
                lines.append(f"- {m.score:.2f} · this paper p.{m.mine.pages} _{_e(m.mine.section_path)}_: "
                             f"{_snippet(m.mine.text)}  \n  ↔ {theirs}")
            else:
                lines.append(f"- {m.score:.2f} · {theirs}")
    return "\n".join(lines)


def _snippet(text: str, limit: int = 240) -> str:
    return _e(clip(text, limit, "…"))


SORTS = {"recently added": (lambda r: -r.updated_at), "title": (lambda r: r.title.casefold()),
         "arXiv id": (lambda r: r.arxiv_id or "~" + r.paper_id), "pages": (lambda r: -r.pages)}


def library_rows(backend: Backend, query: str = "", sort: str = "recently added") -> list[list]:
    """The table of papers: those whose title, authors or ids hold `query`, in the chosen order."""
    words = query.casefold().split()
    records = [r for r in backend.papers()
               if all(w in f"{r.title} {' '.join(r.authors)} {r.arxiv_id} {r.paper_id}".casefold() for w in words)]
    records.sort(key=SORTS.get(sort, SORTS["recently added"]))
    return [[r.paper_id, r.arxiv_id or "", " ".join(r.title.split()), ", ".join(r.authors[:4])
             + (" et al." if len(r.authors) > 4 else ""), r.pages, r.chunks, r.sections, r.tables,
             r.references_count, r.status, r.source] for r in records]


def paper_markdown(backend: Backend, paper_id: str) -> str:
    """The paper view of the Library tab: abstract, section tree with pages, its reports and imported
    notes, the papers most like it, and the reference list."""
    d = backend.paper_detail(paper_id)
    record = backend.library.resolve(d["paper_id"])
    link = f"[arXiv:{d['arxiv_id']}{d['arxiv_version'] or ''}]({d['url']})" if d["arxiv_id"] else _e(d["paper_id"])
    facts = [link, f"{d['pages']} pages", f"{d['chunks']} chunks"] + [_e(x) for x in (d["arxiv_category"],
                                                                                     d["arxiv_date"]) if x]
    saved = [f"{lang} ({report.seconds:.0f} s, {_e(report.model)})" for lang in ("ja", "en")
             if (report := backend.writer.saved(record, lang))]
    notes = backend.notes.for_paper(record)
    try:
        similar = backend.similar.like_paper(d["paper_id"], top=3, passages=0)[1]
    except PapersError:
        similar = []
    references = d["references"]
    more = len(references) - REFERENCES_SHOWN
    blocks = [
        f"## {_e(d['title'])}", " · ".join(facts), f"**Authors:** {_e(', '.join(d['authors'])) or '—'}",
        f"### Abstract (p.{d['abstract_page']})", _e(d["abstract"]) or "_No abstract found._",
        "### Sections", "\n".join(f"{'  ' * (s['level'] - 1)}- {_e(s['title'])} · p.{s['page']}"
                                  for s in d["sections"]),
        "### Reports and notes", f"- Reports: {', '.join(saved) or 'none yet (Reports tab)'}\n- Imported notes: "
                                 f"{', '.join(f'#{n.note_id} {n.kind}' for n in notes) or 'none'}",
        "### Similar papers", "\n".join(f"- {_e(p.title)} · `{_e(p.arxiv_id or p.paper_id)}` · {p.score:.3f}"
                                        for p in similar) or "_None._",
        f"### References ({len(references)})",
        "\n".join(f"{r['number']}. {_e(r['text'])} (p.{r['page']})" for r in references[:REFERENCES_SHOWN])
        + (f"\n\n_… {more} more (`papers show {d['paper_id']}`)._" if more > 0 else ""),
    ]
    return "\n\n".join(b for b in blocks if b)


class PageViewer:
    """A page of the stored PDF with the cited sentence highlighted, and the previous and next page.
    A quote that cannot be located on the page is said to be so; nothing else is highlighted."""

    def __init__(self, backend: Backend, prefix: str):
        self.backend = backend
        self.view = gr.State(None)  # {"paper_id", "page" shown, "cited_page", "quote"}: see page_view
        self.status = gr.Markdown(elem_id=f"{prefix}-status")
        self.image = gr.Image(show_label=False, type="pil", interactive=False, elem_id=f"{prefix}-image",
                              visible=False)
        with gr.Row():
            self.prev = gr.Button("◀ Previous page", size="sm", elem_id=f"{prefix}-prev")
            self.next = gr.Button("Next page ▶", size="sm", elem_id=f"{prefix}-next")
        self.prev.click(lambda view: self.show(view, -1), self.view, self.outputs)
        self.next.click(lambda view: self.show(view, 1), self.view, self.outputs)

    @property
    def outputs(self) -> list:
        return [self.image, self.status, self.view]

    def show(self, view: dict | None, step: int = 0) -> tuple:
        if not view:
            return gr.update(value=None, visible=False), "", None
        image = self.backend.library.pages.render(view["paper_id"], view["page"] + step, view["quote"])
        if image is None:
            return gr.update(value=None, visible=False), "⚠️ The PDF of this paper is no longer in the library.", view
        view = {**view, "page": image.page}
        if image.found:
            note = "the quoted sentence is highlighted"
        elif view.get("cited_page") == image.page:
            note = "⚠️ the quoted sentence could not be located on this page, so nothing is highlighted"
        else:
            note = f"the quote is on p.{view['cited_page']}"
        return (gr.update(value=Image.open(io.BytesIO(image.png)), visible=True),
                f"**p.{image.page}** of {image.pages} · {note}", view)


def page_view(citation: Citation) -> dict:
    p = citation.passage
    return {"paper_id": p.paper_id, "page": citation.page, "cited_page": citation.page, "quote": citation.quote}


# ---- the app --------------------------------------------------------------------------------
def build_app(backend: Backend) -> gr.Blocks:
    with gr.Blocks(title="papers") as app:
        gr.Markdown("# papers\nAsk questions of your library of research papers.")
        llm_banner = gr.Markdown(visible=False, elem_id="llm-banner")
        with gr.Tabs():
            with gr.Tab("Chat", id="chat"):
                chat = _chat_tab(backend, llm_banner)
            with gr.Tab("Reports", id="reports"):
                report_paper, digest_papers = _reports_tab(backend, llm_banner)
            with gr.Tab("Similar", id="similar"):
                similar_paper = _similar_tab(backend)
            with gr.Tab("Library", id="library"):
                table, delete_paper = _library_tab(backend)
        pickers = [chat, report_paper, digest_papers, similar_paper, delete_paper]

        def refresh():
            choices = backend.choices()
            return [banner(backend.llm_problem()), library_rows(backend)] + \
                   [gr.update(choices=choices) for _ in pickers]

        app.load(refresh, outputs=[llm_banner, table] + pickers)
        table.change(lambda: [gr.update(choices=backend.choices()) for _ in pickers], outputs=pickers)
    return app


def _chat_tab(backend: Backend, llm_banner: gr.Markdown):
    history = gr.State([])  # (standalone question, answer) pairs for follow-ups
    sources = gr.State({})
    with gr.Row():
        with gr.Column(scale=3):
            chatbot = gr.Chatbot(label="Chat", height=480, elem_id="chatbot")
            question = gr.Textbox(placeholder="Ask in English or Japanese, e.g. What are the limitations of MoBA?",
                                  show_label=False, elem_id="question", submit_btn=True)
            with gr.Row():
                papers = gr.Dropdown(choices=backend.choices(), value=None, multiselect=True, label="Only these papers",
                                     elem_id="chat-papers", scale=3)
                lang = gr.Radio(["auto", "en", "ja"], value="auto", label="Answer language", scale=1)
                clear = gr.Button("New conversation", scale=1)
        with gr.Column(scale=2):
            source_pick = gr.Radio([], label="Sources of the last answer", elem_id="sources")
            viewer = PageViewer(backend, "chat-page")
            passage = gr.Markdown("_Pick a source to see the quoted sentence on its PDF page and read the passage._",
                                  elem_id="passage")

    def respond(text, messages, turns, paper_ids, language):
        text = (text or "").strip()
        if not text:
            yield messages, turns, "", gr.update(), gr.update(), gr.update()
            return
        messages = list(messages) + [{"role": "user", "content": text}, {"role": "assistant", "content": "…"}]
        yield messages, turns, "", gr.update(choices=[], value=None), {}, gr.update()
        stream = backend.asker.ask(text, paper_keys=paper_ids or None,
                                   lang=None if language == "auto" else language, history=turns)
        shown = ""
        messages[-1] = {"role": "assistant", "content": streaming_markdown(stream.answer, "…")}
        for delta in stream:
            shown += delta
            messages[-1] = {"role": "assistant", "content": streaming_markdown(stream.answer, shown)}
            yield messages, turns, "", gr.update(), gr.update(), gr.update()
        answer = stream.answer
        messages[-1] = {"role": "assistant", "content": answer_markdown(answer)}
        if answer.text and not answer.error:
            turns = turns + [(answer.standalone, answer.text)]
        by_label = {source_label(c): {"markdown": source_view(c), "view": page_view(c)} for c in answer.shown}
        yield (messages, turns, "", gr.update(choices=list(by_label), value=None), by_label,
               banner(backend.llm_problem()) if answer.error else gr.update())

    outputs = [chatbot, history, question, source_pick, sources, llm_banner]
    question.submit(respond, [question, chatbot, history, papers, lang], outputs)
    def open_source(label, views):
        if not label or label not in views:
            return (gr.update(),) * 4
        return (views[label]["markdown"], *viewer.show(views[label]["view"]))

    source_pick.change(open_source, [source_pick, sources], [passage] + viewer.outputs)
    clear.click(lambda: ([], [], gr.update(choices=[], value=None), {}), outputs=[chatbot, history, source_pick,
                                                                                 sources])
    return papers


def _reports_tab(backend: Backend, llm_banner: gr.Markdown):
    with gr.Row():
        paper = gr.Dropdown(choices=backend.choices(), value=None, label="Paper", elem_id="report-paper", scale=3)
        kind = gr.Radio([(label, key) for key, label in FORMATS.items()], value="report", label="Format",
                        elem_id="report-format", scale=2)
        lang = gr.Radio(["ja", "en"], value="ja", label="Language", scale=1)
        generate = gr.Button("Generate", variant="primary", elem_id="report-generate", scale=1)
        regenerate = gr.Button("Regenerate", elem_id="report-regenerate", scale=1)
    with gr.Row(visible=False) as digest_row:
        digest_papers = gr.Dropdown(choices=backend.choices(), value=[], multiselect=True, scale=4,
                                    label="A digest of several papers, in this order (one .md file)",
                                    elem_id="digest-papers")
        write_digest = gr.Button("Write digest", elem_id="digest-write", scale=1)
    status = gr.Markdown(elem_id="report-status")
    with gr.Row():
        with gr.Column(scale=3):
            report = gr.Markdown(NO_REPORT, elem_id="report")
            download = gr.DownloadButton("Download .md", visible=False, elem_id="report-download")
        with gr.Column(scale=2):
            cited = gr.Dropdown([], value=None, label="The report's quoted sentences: see one on its page",
                                elem_id="report-cited")
            quotes = gr.State({})
            viewer = PageViewer(backend, "report-page")
            note = gr.Markdown("_Imported summaries of the paper (`papers notes import`) appear here._",
                               elem_id="report-note")

    def citations(shown) -> tuple:
        """The quoted sentences of a report (or none), for the page viewer's picker."""
        by_label = {f"§{s.number} · p.{c.page} · {clip(' '.join(c.quote.split()), 70, '…')}": page_view(c)
                    for s in (shown.sections if shown else []) for c in s.citations if c.quote}
        return gr.update(choices=list(by_label), value=None), by_label

    def show(paper_id, language, form):
        if not paper_id:
            return NO_REPORT, gr.update(visible=False), gr.update(), "", *citations(None)
        saved = backend.writers[form].saved(backend.library.resolve(paper_id), language)
        seed = backend.seed_note(paper_id, form)
        note_text = f"#### Imported summary\n\n{_md(seed)}" if seed else "_No imported summary of this paper._"
        if saved is None:
            return NO_REPORT, gr.update(visible=False), note_text, "", *citations(None)
        return (_md(saved.markdown), gr.update(value=str(backend.report_file(paper_id, language, form)), visible=True),
                note_text, f"Saved {FORMATS[form]}, written in {saved.seconds:.0f} s by {saved.model}.",
                *citations(saved))

    def write(paper_id, language, form, fresh, progress=gr.Progress()):
        if not paper_id:
            return gr.update(), gr.update(), "Pick a paper first.", gr.update(), gr.update(), gr.update()
        progress(0, desc="retrieving passages")
        try:
            report, saved = backend.writers[form].get(backend.library.resolve(paper_id), language, fresh,
                                                      lambda done, total, what: progress((done, total), desc=what))
        except LLMUnavailable as exc:
            return gr.update(), gr.update(), f"⚠️ {_e(str(exc))}", banner(str(exc)), gr.update(), gr.update()
        status = f"Saved {FORMATS[form]} is current (Regenerate writes a new one)." if saved else \
            f"Written in {report.seconds:.0f} s by {_e(report.model)}."
        return (_md(report.markdown), gr.update(value=str(backend.report_file(paper_id, language, form)), visible=True),
                status, gr.update(), *citations(report))

    def digest(paper_ids, language, progress=gr.Progress()):
        if not paper_ids:
            return gr.update(), gr.update(), "Pick the digest's papers first.", gr.update(), gr.update(), gr.update()
        entries = []
        try:
            for number, paper_id in enumerate(paper_ids):
                progress((number, len(paper_ids)), desc=f"{paper_id}: writing its entry")
                entries.append(backend.writers["digest"].get(backend.library.resolve(paper_id), language)[0])
        except LLMUnavailable as exc:
            return gr.update(), gr.update(), f"⚠️ {_e(str(exc))}", banner(str(exc)), gr.update(), gr.update()
        path = backend.write_digest(entries, language)
        return (_md(path.read_text()), gr.update(value=str(path), visible=True),
                f"Digest of {len(entries)} papers: {sum(e.seconds for e in entries):.0f} s of writing.",
                gr.update(), *citations(None))

    shown = [report, download, note, status, cited, quotes]
    for control in (paper, lang, kind):
        control.change(show, [paper, lang, kind], shown)
    kind.change(lambda form: gr.update(visible=form == "digest"), kind, digest_row)
    cited.change(lambda label, views: viewer.show(views.get(label)) if label else (gr.update(),) * 3,
                 [cited, quotes], viewer.outputs)
    outputs = [report, download, status, llm_banner, cited, quotes]
    generate.click(lambda p, lg, f, progress=gr.Progress(): write(p, lg, f, False, progress), [paper, lang, kind],
                   outputs)
    regenerate.click(lambda p, lg, f, progress=gr.Progress(): write(p, lg, f, True, progress), [paper, lang, kind],
                     outputs)
    write_digest.click(digest, [digest_papers, lang], outputs)
    return paper, digest_papers


def _similar_tab(backend: Backend):
    with gr.Row():
        paper = gr.Dropdown(choices=backend.choices(), value=None, label="Papers like this paper",
                            elem_id="similar-paper", scale=3)
        find = gr.Button("Find similar papers", variant="primary", elem_id="similar-find", scale=1)
    with gr.Row():
        text = gr.Textbox(label="…or papers with passages like this text (English or Japanese)", lines=2,
                          elem_id="similar-text", scale=3)
        find_text = gr.Button("Find by text", elem_id="similar-find-text", scale=1)
    results = gr.Markdown(elem_id="similar-results")

    def by_paper(paper_id):
        if not paper_id:
            return "Pick a paper first."
        target, found = backend.similar.like_paper(paper_id)
        return similar_markdown(found, f"**Papers like** {html.escape(' '.join(target.title.split()))} "
                                       "(score: cosine of paper vectors, library average removed)")

    def by_text(query):
        try:
            found = backend.similar.like_text(query or "")
        except ValueError as exc:
            return str(exc)
        return similar_markdown(found, "**Papers with passages like the text** (score: cosine of the closest passage)")

    find.click(by_paper, paper, results)
    find_text.click(by_text, text, results)
    text.submit(by_text, text, results)
    return paper


def _library_tab(backend: Backend):
    max_mb = backend.config.library.limits.max_pdf_mb
    with gr.Row():
        upload = gr.File(label=f"Add PDFs (up to {max_mb:g} MB each)", file_count="multiple", file_types=[".pdf"],
                         elem_id="upload", scale=3)
        with gr.Column(scale=2):
            arxiv_ref = gr.Textbox(label="…or add from arXiv", placeholder="2501.12948 or https://arxiv.org/abs/2501.12948v2",
                                   elem_id="arxiv-ref")
            arxiv_add = gr.Button("Download and add", elem_id="arxiv-add")
    status = gr.Markdown(elem_id="upload-status")
    with gr.Row():
        query = gr.Textbox(label="Search title, author or arXiv id", elem_id="library-search", scale=3)
        sort = gr.Dropdown(list(SORTS), value="recently added", label="Sort by", elem_id="library-sort", scale=1)
    table = gr.Dataframe(value=library_rows(backend), headers=LIBRARY_HEADERS, interactive=False,
                         elem_id="library-table", wrap=True)
    paper_view = gr.Markdown("_Click a paper in the table to open it: abstract, sections with pages, references, "
                             "its reports and notes, similar papers._", elem_id="paper-view")
    with gr.Row():
        paper = gr.Dropdown(choices=backend.choices(), value=None, label="Delete a paper", elem_id="delete-paper",
                            scale=3)
        delete = gr.Button("Delete", variant="stop", elem_id="delete", scale=1)
        confirm = gr.Button("Confirm delete", variant="stop", visible=False, elem_id="delete-confirm", scale=1)

    def outcome_line(o) -> str:
        mark = "✓" if o.status in KEPT or o.status in ("unchanged", "duplicate") else "✗"
        detail = f"{o.status}: {o.paper_id}, {o.pages} pages, {o.chunks} chunks" if o.status in KEPT else o.message
        return f"- {mark} **{html.escape(o.path.name)}** — {html.escape(detail)}"

    def add(files, text, order, progress=gr.Progress()):
        if not files:
            return gr.update(), gr.update()
        paths = [Path(f if isinstance(f, str) else f.name) for f in files]
        outcomes = backend.add_pdfs(paths, StagedIngestProgress(len(paths), lambda f, d: progress(f, desc=d)),
                                    upload_folder=Path(gradio_utils.get_upload_folder()))
        return "\n".join(map(outcome_line, outcomes)), library_rows(backend, text, order)

    def add_from_arxiv(ref, text, order, progress=gr.Progress()):
        if not (ref or "").strip():
            return "Give an arXiv id or URL.", gr.update()
        progress(0, desc=f"downloading {ref.strip()}")
        try:
            outcome = backend.add_arxiv(ref, StagedIngestProgress(1, lambda f, d: progress(f, desc=d)))
        except PapersError as exc:
            return f"✗ {_e(str(exc))}", gr.update()
        return outcome_line(outcome), library_rows(backend, text, order)

    def open_paper(evt: gr.SelectData):
        if not evt.row_value:
            return gr.update()
        try:
            return paper_markdown(backend, str(evt.row_value[0]))  # the row as shown: its first column is the id
        except PapersError as exc:
            return f"⚠️ {_e(str(exc))}"

    def ask_confirm(paper_id):
        if not paper_id:
            return "Pick a paper to delete.", gr.update(visible=False)
        return (f"Delete **{html.escape(paper_id)}** and its chunks, report links and uploaded file? "
                "Click **Confirm delete**."), gr.update(visible=True)

    def remove(paper_id, text, order):
        record = backend.delete(paper_id)
        return (f"Deleted {record.paper_id}: {html.escape(record.title)}", gr.update(visible=False),
                library_rows(backend, text, order), gr.update(value=None))

    # the app's own events (they write and delete): not endpoints for API clients (the HTTP API has its own)
    upload.upload(add, [upload, query, sort], [status, table], api_visibility="private") \
        .then(lambda: None, outputs=upload)
    arxiv_add.click(add_from_arxiv, [arxiv_ref, query, sort], [status, table], api_visibility="private")
    arxiv_ref.submit(add_from_arxiv, [arxiv_ref, query, sort], [status, table], api_visibility="private")
    for trigger in (query.change, sort.change):
        trigger(lambda text, order: library_rows(backend, text, order), [query, sort], table,
                api_visibility="private")
    table.select(open_paper, None, paper_view, api_visibility="private")
    delete.click(ask_confirm, paper, [status, confirm], api_visibility="private")
    confirm.click(remove, [paper, query, sort], [status, confirm, table, paper], api_visibility="private")
    return table, paper


def serve(config: Config, host: str = "127.0.0.1", port: int = 7860) -> None:
    """The app and its HTTP API (`ui/api.py`) on one server: FastAPI with the Gradio app mounted at /."""
    import uvicorn

    from .api import build_api

    backend = Backend(config)
    auth = [(config.ui.user, config.ui.password)] if config.ui.password else None
    if host not in ("127.0.0.1", "localhost", "::1") and auth is None:
        print(f"warning: serving on {host} without a password (set PAPERS_UI_PASSWORD)", file=sys.stderr)
    app = build_app(backend)
    app.queue(default_concurrency_limit=2)
    server = gr.mount_gradio_app(build_api(backend), app, path="", auth=auth, ssr_mode=False, show_error=True,
                                 max_file_size=int(config.library.limits.max_pdf_mb * 1024 * 1024), footer_links=[],
                                 allowed_paths=[str(config.library.reports_dir)])
    print(f"papers: the app on http://{host}:{port}/ , its API on http://{host}:{port}/api/v1/docs", flush=True)
    uvicorn.run(server, host=host, port=port, log_level="warning")
