"""The web app (`papers ui`): Chat, Reports, Similar and Library tabs over one library.

Layout and event wiring only; the work is done by ui/backend.py. Binds 127.0.0.1 unless told
otherwise; PAPERS_UI_PASSWORD (user PAPERS_UI_USER, default "papers") puts a login in front.
"""
from __future__ import annotations

import html
import sys
from pathlib import Path

import gradio as gr
from gradio import utils as gradio_utils

from ingest.text import clip
from qa.answer.chain import Answer
from qa.answer.citations import Citation
from qa.answer.evidence import WEAK_EVIDENCE
from qa.llm.chat import LLMUnavailable
from qa.similar import SimilarPaper

from .backend import KEPT, Backend, StagedIngestProgress
from .config import Config

LIBRARY_HEADERS = ["id", "arXiv", "title", "authors", "pages", "chunks", "sections", "tables", "references",
                   "status", "file"]
NO_REPORT = "_No report for this paper in this language yet: **Generate** writes one (a few minutes on a CPU)._"


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


def library_rows(backend: Backend) -> list[list]:
    return [[r.paper_id, r.arxiv_id or "", " ".join(r.title.split()), ", ".join(r.authors[:4])
             + (" et al." if len(r.authors) > 4 else ""), r.pages, r.chunks, r.sections, r.tables,
             r.references_count, r.status, r.source] for r in backend.papers()]


# ---- the app --------------------------------------------------------------------------------
def build_app(backend: Backend) -> gr.Blocks:
    with gr.Blocks(title="papers") as app:
        gr.Markdown("# papers\nAsk questions of your library of research papers.")
        llm_banner = gr.Markdown(visible=False, elem_id="llm-banner")
        with gr.Tabs():
            with gr.Tab("Chat", id="chat"):
                chat = _chat_tab(backend, llm_banner)
            with gr.Tab("Reports", id="reports"):
                report_paper = _reports_tab(backend, llm_banner)
            with gr.Tab("Similar", id="similar"):
                similar_paper = _similar_tab(backend)
            with gr.Tab("Library", id="library"):
                table, delete_paper = _library_tab(backend)
        pickers = [chat, report_paper, similar_paper, delete_paper]

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
            passage = gr.Markdown("_Pick a source to read the passage it quotes._", elem_id="passage")

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
        by_label = {source_label(c): source_view(c) for c in answer.shown}
        yield (messages, turns, "", gr.update(choices=list(by_label), value=None), by_label,
               banner(backend.llm_problem()) if answer.error else gr.update())

    outputs = [chatbot, history, question, source_pick, sources, llm_banner]
    question.submit(respond, [question, chatbot, history, papers, lang], outputs)
    source_pick.change(lambda label, views: views.get(label, gr.update()) if label else gr.update(),
                       [source_pick, sources], passage)
    clear.click(lambda: ([], [], gr.update(choices=[], value=None), {}), outputs=[chatbot, history, source_pick,
                                                                                 sources])
    return papers


def _reports_tab(backend: Backend, llm_banner: gr.Markdown):
    with gr.Row():
        paper = gr.Dropdown(choices=backend.choices(), value=None, label="Paper", elem_id="report-paper", scale=3)
        lang = gr.Radio(["ja", "en"], value="ja", label="Language", scale=1)
        generate = gr.Button("Generate", variant="primary", elem_id="report-generate", scale=1)
        regenerate = gr.Button("Regenerate", elem_id="report-regenerate", scale=1)
    status = gr.Markdown(elem_id="report-status")
    with gr.Row():
        with gr.Column(scale=3):
            report = gr.Markdown(NO_REPORT, elem_id="report")
            download = gr.DownloadButton("Download .md", visible=False, elem_id="report-download")
        with gr.Column(scale=2):
            note = gr.Markdown("_Imported summaries of the paper (`papers notes import`) appear here._",
                               elem_id="report-note")

    def show(paper_id, language):
        if not paper_id:
            return NO_REPORT, gr.update(visible=False), gr.update(), ""
        saved = backend.writer.saved(backend.library.resolve(paper_id), language)
        seed = backend.seed_note(paper_id)
        note_text = f"#### Imported summary\n\n{_md(seed)}" if seed else "_No imported summary of this paper._"
        if saved is None:
            return NO_REPORT, gr.update(visible=False), note_text, ""
        return (_md(saved.markdown), gr.update(value=str(backend.report_file(paper_id, language)), visible=True),
                note_text, f"Saved report, written in {saved.seconds:.0f} s by {saved.model}.")

    def write(paper_id, language, fresh, progress=gr.Progress()):
        if not paper_id:
            return gr.update(), gr.update(), "Pick a paper first.", gr.update()
        progress(0, desc="retrieving passages")
        try:
            report, saved = backend.writer.get(backend.library.resolve(paper_id), language, fresh,
                                               lambda done, total, what: progress((done, total), desc=what))
        except LLMUnavailable as exc:
            return gr.update(), gr.update(), f"⚠️ {_e(str(exc))}", banner(str(exc))
        status = "Saved report is current (Regenerate writes a new one)." if saved else \
            f"Written in {report.seconds:.0f} s by {_e(report.model)}."
        return (_md(report.markdown), gr.update(value=str(backend.report_file(paper_id, language)), visible=True),
                status, gr.update())

    paper.change(show, [paper, lang], [report, download, note, status])
    lang.change(show, [paper, lang], [report, download, note, status])
    outputs = [report, download, status, llm_banner]
    generate.click(lambda p, lg, progress=gr.Progress(): write(p, lg, False, progress), [paper, lang], outputs)
    regenerate.click(lambda p, lg, progress=gr.Progress(): write(p, lg, True, progress), [paper, lang], outputs)
    return paper


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
    upload = gr.File(label=f"Add PDFs (up to {max_mb:g} MB each)", file_count="multiple", file_types=[".pdf"],
                     elem_id="upload")
    status = gr.Markdown(elem_id="upload-status")
    table = gr.Dataframe(value=library_rows(backend), headers=LIBRARY_HEADERS, interactive=False,
                         elem_id="library-table", wrap=True)
    with gr.Row():
        paper = gr.Dropdown(choices=backend.choices(), value=None, label="Delete a paper", elem_id="delete-paper",
                            scale=3)
        delete = gr.Button("Delete", variant="stop", elem_id="delete", scale=1)
        confirm = gr.Button("Confirm delete", variant="stop", visible=False, elem_id="delete-confirm", scale=1)

    def add(files, progress=gr.Progress()):
        if not files:
            return gr.update(), gr.update()
        paths = [Path(f if isinstance(f, str) else f.name) for f in files]
        outcomes = backend.add_pdfs(paths, StagedIngestProgress(len(paths), lambda f, d: progress(f, desc=d)),
                                    upload_folder=Path(gradio_utils.get_upload_folder()))
        lines = []
        for o in outcomes:
            mark = "✓" if o.status in KEPT or o.status in ("unchanged", "duplicate") else "✗"
            detail = f"{o.status}: {o.paper_id}, {o.pages} pages, {o.chunks} chunks" if o.status in KEPT \
                else o.message
            lines.append(f"- {mark} **{html.escape(o.path.name)}** — {html.escape(detail)}")
        return "\n".join(lines), library_rows(backend)

    def ask_confirm(paper_id):
        if not paper_id:
            return "Pick a paper to delete.", gr.update(visible=False)
        return (f"Delete **{html.escape(paper_id)}** and its chunks, report links and uploaded file? "
                "Click **Confirm delete**."), gr.update(visible=True)

    def remove(paper_id):
        record = backend.delete(paper_id)
        return (f"Deleted {record.paper_id}: {html.escape(record.title)}", gr.update(visible=False),
                library_rows(backend), gr.update(value=None))

    # the app's own events (they write and delete): not endpoints for API clients
    upload.upload(add, upload, [status, table], api_visibility="private").then(lambda: None, outputs=upload)
    delete.click(ask_confirm, paper, [status, confirm], api_visibility="private")
    confirm.click(remove, paper, [status, confirm, table, paper], api_visibility="private")
    return table, paper


def serve(config: Config, host: str = "127.0.0.1", port: int = 7860) -> None:
    backend = Backend(config)
    auth = [(config.ui.user, config.ui.password)] if config.ui.password else None
    if host not in ("127.0.0.1", "localhost", "::1") and auth is None:
        print(f"warning: serving on {host} without a password (set PAPERS_UI_PASSWORD)", file=sys.stderr)
    app = build_app(backend)
    app.queue(default_concurrency_limit=2)
    app.launch(server_name=host, server_port=port, auth=auth, ssr_mode=False, show_error=True,
               max_file_size=int(config.library.limits.max_pdf_mb * 1024 * 1024), footer_links=[],
               allowed_paths=[str(config.library.reports_dir)])
