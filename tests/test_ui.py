"""The web app in a real headless Chromium (Debian's `chromium`, driven by Playwright): upload a PDF and see
it listed, a streamed cited answer, a report with progress and download, similar papers, delete; then a
second app whose LLM server is down and that asks for a password. Screenshots go to test-artifacts/."""
from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from helpers import ROOT, SIMILAR_SET, free_port, papers_cli, start_app, stop_app
from pdf_factory import make_paper_pdf
from ui.backend import safe_pdf_name

MOBA, JANUS, OMNI, AUDIO, PROVER, R1 = SIMILAR_SET
pytestmark = [pytest.mark.browser, pytest.mark.llm]
ARTIFACTS = Path(os.environ.get("PAPERS_TEST_ARTIFACTS") or ROOT / "test-artifacts")
CHROMIUM = os.environ.get("PAPERS_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
BOT_MESSAGES = "#chatbot [data-testid='bot']"  # one element per answer
UPLOAD_NAME = "../My Paper (v2) é.pdf"  # a path part, spaces, brackets and a non-ASCII letter
SYNTHETIC = "2401.01234"  # the arXiv id pdf_factory's default paper carries
SEED = f"""# Gradient Routing for Sparse Experts in Tiny Language Models

[View Paper](https://arxiv.org/abs/{SYNTHETIC})

## 1. 既存研究では何ができなかったのか

小さなMoEは学習が不安定だった。

## 2. どのようなアプローチでそれを解決しようとしたか

勾配ルーティング。

## 3. 結果、何が達成できたのか

学習コストを37.5%削減。

## 4. Limitationや問題点は何か。本文で言及されているものの他、考えられるものも含めて

英語のみ。

## 5. 技術的な詳細について。技術者が読むことを想定したトーンで

補助損失で学習。

## 6. コストや物理的な詳細について教えて。例えばトレーニングに使用したGPUの数や時間、データセット、モデルのサイズなど

64 GPUで3日。

## 7. 参考文献のうち、特に参照すべきもの

Sparse mixtures of experts

## 8. この論文を140字以内のツイートで要約すると？

小さなMoEを勾配ルーティングで安定学習。
"""


def test_uploaded_names_are_made_safe():
    assert safe_pdf_name(UPLOAD_NAME) == "My_Paper_v2.pdf"
    assert safe_pdf_name("..\\..\\evil.PDF") == "evil.pdf"
    assert safe_pdf_name(".hidden.pdf") == "hidden.pdf"
    assert safe_pdf_name("論文.pdf") == "paper.pdf"


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        message = f"no Chromium at {CHROMIUM}: `make browser` installs Debian's chromium"
        if os.environ.get("PAPERS_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"ui-{name}.png"), full_page=True)


def _pick(page, dropdown: str, option: str) -> None:
    page.locator(f"{dropdown} input").click()
    page.locator("[role=option]", has_text=option).first.click()
    page.keyboard.press("Escape")


# ---- the app with the local LLM -----------------------------------------------------------------
@pytest.fixture(scope="module")
def app(corpus_home, tmp_path_factory):
    base = tmp_path_factory.mktemp("ui")
    home = base / "home"
    shutil.copytree(corpus_home, home)
    seed = base / "seed.txt"
    seed.write_text(SEED)
    assert papers_cli("notes", "import", str(seed), env_home=home).returncode == 0
    process, url = start_app(home, base / "app.log")
    yield home, url, base
    stop_app(process)


@pytest.fixture(scope="module")
def page(app, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page.set_default_timeout(30_000)
    page.goto(app[1])
    page.wait_for_selector("#chatbot")
    yield page
    page.close()


def test_upload_a_pdf_and_see_it_listed(app, page):
    from playwright.sync_api import expect

    home, _, base = app
    (base / "upload").mkdir()
    pdf = make_paper_pdf(base / "upload" / "My Paper (v2) é.pdf")
    page.get_by_role("tab", name="Library").click()
    expect(page.locator("#library-table")).to_contain_text("Kimi-Audio")
    page.locator("#upload input[type=file]").set_input_files(str(pdf))
    expect(page.locator("#upload-status")).to_contain_text(f"added: {SYNTHETIC}", timeout=180_000)
    expect(page.locator("#library-table")).to_contain_text("Gradient Routing for Sparse Experts")
    assert (home / "papers" / "My_Paper_v2.pdf").read_bytes() == pdf.read_bytes()
    _shot(page, "library")


def test_browse_the_library_and_open_a_paper(page):
    from playwright.sync_api import expect

    table = page.locator("#library-table")
    search = page.locator("#library-search input, #library-search textarea").first
    search.fill("kimi audio")
    expect(table).to_contain_text("Kimi-Audio")
    expect(table).not_to_contain_text("Janus-Pro")
    search.fill("")
    expect(table).to_contain_text("Janus-Pro")
    _pick(page, "#library-sort", "title")
    rows = table.get_by_role("row")  # the header row, then one per paper
    expect(rows.nth(1)).to_contain_text("DeepSeek-Prover")  # first by title
    search.fill("block attention")  # one row left: the click cannot land on a neighbour while the table redraws
    expect(rows).to_have_count(2)
    table.get_by_role("gridcell").filter(has_text="Block Attention").first.click()
    view = page.locator("#paper-view")
    expect(view.locator("h2")).to_have_text("MoBA: Mixture of Block Attention for Long-Context LLMs")
    for part in ("Abstract (p.1)", "Sections", "References (", "Similar papers", "Reports and notes"):
        expect(view).to_contain_text(part)
    expect(view).to_contain_text("2 Method · p.")
    _shot(page, "library-paper")
    search.fill("")  # the tests after this one see the whole library
    expect(rows).to_have_count(8)


def test_streamed_answer_with_citations_that_open_the_passage(page):
    from playwright.sync_api import expect

    page.get_by_role("tab", name="Chat").click()
    _pick(page, "#chat-papers", MOBA)
    page.locator("#question textarea").fill("What block size does MoBA use, and how many blocks are selected?")
    page.locator("#question textarea").press("Enter")
    bot = page.locator(BOT_MESSAGES)
    states: list[str] = []
    deadline = time.time() + 300
    while time.time() < deadline:
        text = bot.last.inner_text() if bot.count() else ""
        if text and (not states or states[-1] != text):
            states.append(text)
        if "Sources" in text or "Retrieved passages" in text:
            break
        page.wait_for_timeout(150)
    assert "Sources" in states[-1], states[-1]
    partial = [s for s in states[:-1] if s.strip() not in ("", "…")]
    assert len(partial) >= 2, states  # the answer arrived in pieces, not at once
    labels = page.locator("#sources label")
    assert labels.count() >= 1
    assert all("MOBA" in labels.nth(i).inner_text().upper() for i in range(labels.count()))  # the paper filter
    labels.first.click()
    passage = page.locator("#passage")
    expect(passage).to_contain_text("Section:")
    expect(passage).to_contain_text("Page:")
    assert "MIXTURE OF BLOCK ATTENTION" in passage.inner_text().upper()
    # the quoted sentence on its PDF page, and the pages around it
    status = page.locator("#chat-page-status")
    expect(status).to_contain_text("highlighted")
    expect(page.locator("#chat-page-image img")).to_be_visible()
    cited = int(status.inner_text().split("p.")[1].split()[0])
    _shot(page, "chat")
    page.locator("#chat-page-next").click()
    expect(status).to_contain_text(f"p.{cited + 1} of")
    expect(status).to_contain_text(f"the quote is on p.{cited}")
    page.locator("#chat-page-prev").click()
    expect(status).to_contain_text(f"p.{cited} of")

    assert bot.count() == 1
    page.locator("#question textarea").fill("And what context lengths was it tested on?")
    page.locator("#question textarea").press("Enter")
    expect(bot).to_have_count(2, timeout=60_000)
    expect(bot.last).to_contain_text("Sources", timeout=300_000)
    expect(page.locator("#chatbot [data-testid='user']")).to_have_count(2)


def test_generate_a_report_with_progress_and_download_it(page, app):
    from playwright.sync_api import expect

    page.get_by_role("tab", name="Reports").click()
    _pick(page, "#report-paper", SYNTHETIC)
    expect(page.locator("#report-note")).to_contain_text("小さなMoEは学習が不安定だった")  # the imported seed
    page.locator("label", has_text="en").last.click()
    page.locator("#report-generate").click()
    progress: set[str] = set()
    deadline = time.time() + 420
    while time.time() < deadline and "Written in" not in page.locator("#report-status").inner_text():
        progress.update(t for t in page.locator(".progress-text").all_inner_texts() if "steps" in t)
        page.wait_for_timeout(500)
    assert "Written in" in page.locator("#report-status").inner_text()
    assert len(progress) >= 3, progress  # the bar moved through the sections
    headings = page.locator("#report h2").all_inner_texts()
    assert [h.split(".")[0] for h in headings] == [str(n) for n in range(1, 9)]
    assert "(p." in page.locator("#report").inner_text()
    _shot(page, "reports")
    with page.expect_download() as download:
        page.locator("#report-download").click()
    saved = Path(download.value.path()).read_text()
    assert download.value.suggested_filename == f"{SYNTHETIC}.en.md"
    assert saved.startswith("# Gradient Routing") and saved == (app[0] / "reports" / f"{SYNTHETIC}.en.md").read_text()


def test_a_digest_of_chosen_papers_is_one_download(page, app):
    from playwright.sync_api import expect

    expect(page.locator("#digest-papers")).to_be_hidden()
    page.locator("#report-format label", has_text="digest entry").click()
    _pick(page, "#digest-papers", SYNTHETIC)
    page.locator("#digest-write").click()
    expect(page.locator("#report-status")).to_contain_text("Digest of 1 papers", timeout=300_000)
    shown = page.locator("#report").inner_text()
    assert "arXiv paper digest" in shown and "Purpose and background" in shown and "(p." in shown
    with page.expect_download() as download:
        page.locator("#report-download").click()
    assert download.value.suggested_filename.startswith("digest-")
    assert "## [Gradient Routing" in Path(download.value.path()).read_text()
    page.locator("#report-format label", has_text="long summary").click()  # none written yet for this paper
    expect(page.locator("#report")).to_contain_text("Nothing saved for this paper in this format")


def test_similar_papers_by_paper_and_by_text(page):
    from playwright.sync_api import expect

    page.get_by_role("tab", name="Similar").click()
    _pick(page, "#similar-paper", AUDIO)
    page.locator("#similar-find").click()
    results = page.locator("#similar-results")
    expect(results.locator("h3").first).to_contain_text("Qwen2.5-Omni")
    expect(results).to_contain_text("score")
    assert results.locator("li").count() >= 3  # passage pairs behind the first paper
    _shot(page, "similar")
    page.locator("#similar-text textarea").fill("形式的な定理証明をLeanで行う")
    page.locator("#similar-find-text").click()
    expect(results.locator("h3").first).to_contain_text("Prover")


def test_api_clients_cannot_add_server_files_or_delete(app, corpus_home):
    from gradio_client import Client

    client = Client(app[1], verbose=False)
    server_file = {"path": str(next((corpus_home / "parsed").glob("*.json"))), "orig_name": "x.pdf",
                   "meta": {"_type": "gradio.FileData"}}
    for api_name, args in (("/add", [[server_file]]), ("/remove", [MOBA])):
        with pytest.raises(Exception, match="api_name|Cannot find"):
            client.predict(*args, api_name=api_name)
    assert MOBA in papers_cli("list", env_home=app[0]).stdout


def test_delete_a_paper(page, app):
    from playwright.sync_api import expect

    page.get_by_role("tab", name="Library").click()
    _pick(page, "#delete-paper", SYNTHETIC)
    page.locator("#delete").click()
    page.locator("#delete-confirm").click()
    expect(page.locator("#upload-status")).to_contain_text(f"Deleted {SYNTHETIC}")
    expect(page.locator("#library-table")).not_to_contain_text("Gradient Routing")
    assert not (app[0] / "papers" / "My_Paper_v2.pdf").exists()


# ---- an app whose LLM is down, behind a password ---------------------------------------------------
def test_llm_down_banner_password_and_search_still_working(corpus_home, browser, tmp_path):
    from playwright.sync_api import expect

    home = tmp_path / "home"
    shutil.copytree(corpus_home, home)
    process, url = start_app(home, tmp_path / "app.log", OPENAI_BASE_URL=f"http://127.0.0.1:{free_port()}/v1",
                              PAPERS_UI_PASSWORD="s3cret", PAPERS_MAX_PDF_MB="0.05")
    try:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url)
        page.get_by_label("username").fill("papers")
        page.get_by_label("password").fill("wrong")
        page.get_by_role("button", name="Login").click()
        expect(page.get_by_text("Incorrect")).to_be_visible()
        page.get_by_label("username").fill("papers")
        page.get_by_label("password").fill("s3cret")
        page.get_by_role("button", name="Login").click()
        banner = page.locator("#llm-banner")
        expect(banner).to_contain_text("LLM unavailable")
        expect(banner).to_contain_text("does not answer")

        page.locator("#question textarea").fill("What is MoBA?")
        page.locator("#question textarea").press("Enter")
        bot = page.locator(BOT_MESSAGES)
        expect(bot.last).to_contain_text("could not answer", timeout=60_000)
        expect(bot.last).to_contain_text("Retrieved passages")  # retrieval still shown
        _shot(page, "llm-down")

        page.get_by_role("tab", name="Similar").click()
        page.locator("#similar-text textarea").fill("speech recognition and audio generation")
        page.locator("#similar-find-text").click()
        expect(page.locator("#similar-results h3").first).to_be_visible()

        page.get_by_role("tab", name="Library").click()
        page.locator("#upload input[type=file]").set_input_files(str(make_paper_pdf(tmp_path / "big.pdf")))
        # over PAPERS_MAX_PDF_MB: refused on upload
        expect(page.get_by_text("exceed the maximum allowed size")).to_be_visible()
        assert not list(home.glob("papers/*.pdf"))
        _shot(page, "upload-too-large")
        page.close()
    finally:
        stop_app(process)
