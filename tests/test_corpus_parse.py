"""Every real paper of the shared corpus: arXiv id, title, sections, references, chunk pages."""
from __future__ import annotations

import difflib
import re
from functools import cache
from pathlib import Path

import pytest

from helpers import CORPUS, manifest, needs_corpus
from ingest.chunking import chunk_paper
from ingest.limits import IngestLimits
from ingest.paper import BlockKind
from ingest.parse import parse_pdf

pytestmark = [needs_corpus(), pytest.mark.slow]
ROWS = manifest()
LAYOUT = CORPUS.parent / "layout"


_JUNK_HEADING = re.compile(r"^(?:Table|Figure|Algorithm) \d|^\[Figure|^[\d\s.,%<>~:]+$|=|‘‘|^(?:PROMPT|OPTIONS)$")


def _norm(title: str) -> str:
    return re.sub(r"[\W_]+", " ", title.casefold().replace("--", "-")).strip()


@cache
def _parsed(path: str):
    return parse_pdf(Path(path), IngestLimits())


@pytest.mark.parametrize("row", ROWS, ids=[r["arxiv_id"] for r in ROWS])
def test_real_paper_structure(row, embedder):
    paper = _parsed(str(CORPUS / row["file"]))
    assert paper.arxiv_id == row["arxiv_id"]
    similarity = difflib.SequenceMatcher(None, _norm(paper.title), _norm(row["title"])).ratio()
    assert similarity >= 0.9, f"title {paper.title!r} vs manifest {row['title']!r}"
    assert paper.page_count == int(row["pages"])
    assert len(paper.abstract) > 300
    numbered = [s for s in paper.sections if re.match(r"^\d", s.title)]
    assert len(numbered) >= 4, [s.title for s in paper.sections]
    assert all(1 <= s.page <= paper.page_count for s in paper.sections)
    junk = [s.title for s in paper.sections if _JUNK_HEADING.search(s.title)]
    assert not junk, "figure labels, captions, equations and code are not sections"
    pages = [s.page for s in numbered]
    assert pages == sorted(pages), "numbered sections come in page order"
    assert len(paper.references) >= 15
    lengths = sorted(len(r.text) for r in paper.references)  # a 100-author entry is long, most are not
    assert lengths[len(lengths) // 2] < 400 and lengths[-1] < 3000, "entries are split, not glued together"
    chunks = chunk_paper(paper, embedder.count_tokens, 320)
    assert all(1 <= c.page_start <= c.page_end <= paper.page_count for c in chunks)
    assert max(embedder.count_tokens(c.embed_text) for c in chunks) <= 320
    body = [c for c in chunks if c.kind == "body"]
    assert len(body) >= 10 and not any("References" == c.section for c in body)


@pytest.mark.parametrize("name", sorted(p.name for p in LAYOUT.glob("*.pdf")) if LAYOUT.exists() else [])
def test_publisher_layouts_parse(name):
    """ACM, APS, Elsevier, AAS and IEEE-style samples: sections and text come out, nothing crashes."""
    paper = _parsed(str(LAYOUT / name))
    assert paper.title and len(paper.sections) >= 2
    assert sum(len(b.text) for s in paper.sections for b in s.blocks) > 2000


def test_line_broken_model_names_keep_their_hyphen():
    paper = _parsed(str(CORPUS / "2501.12948.pdf"))
    text = " ".join([paper.abstract] + [b.text for s in paper.sections for b in s.blocks])
    assert text.count("DeepSeek-R1") > 50
    assert "DeepSeekR1" not in text


@pytest.mark.parametrize("folder, name, title", [
    ("pdf", "2502.13189", "MoBA: Mixture of Block Attention for Long-Context LLMs"),
    ("pdf", "2510.26692", "Kimi Linear: An Expressive, Efficient Attention Architecture"),
    ("seedpapers", "2503.05132", "R1-Zero’s “Aha Moment” in Visual Reasoning on a 2B Non-SFT Model"),
    ("seedpapers", "2503.01840", "EAGLE-3: Scaling up Inference Acceleration of Large Language Models via "
                                 "Training-Time Test"),  # an axis label "3.8" above it is not the title
])
def test_titles_as_the_paper_spells_them(folder, name, title):
    assert _parsed(str(CORPUS.parent / folder / f"{name}.pdf")).title == title


@pytest.mark.parametrize("folder, name, printed", [
    ("pdf", "2502.13189", "sparsity up to 1 −512 8192×3 = 81.25%"),  # MoBA: digits of a math font came apart
    ("pdf", "2502.16982", "a = 3.4445, b = − 4.7750, c = 2.0315"),  # Muon's Newton-Schulz coefficients
    ("pdf", "2504.13914", "|Seed-Verifier|>98%|82.7%|"),  # a table cell wrapped in emphasis marks
])
def test_numbers_read_as_printed(folder, name, printed):
    paper = _parsed(str(CORPUS.parent / folder / f"{name}.pdf"))
    assert printed in " ".join(b.text for s in paper.sections for b in s.blocks)


def test_appendix_bullets_read_between_reference_columns_stay_body_text():
    paper = _parsed(str(CORPUS.parent / "seedpapers" / "2503.01840.pdf"))
    assert not any(r.text.startswith("•") for r in paper.references)
    appendix = next(s for s in paper.sections if s.title == "A Implementation Details")
    assert any("from 6 to 8" in " ".join(b.text.split()) for b in appendix.blocks)  # lines as the column breaks them


@pytest.mark.parametrize("name, section, figure_words", [
    ("2503.01840", "2.2 EAGLE and EAGLE-2", ["LM Head", "How", "How can I", "I", "Speedup", "MT-bench GSM8K"]),
    ("2503.05132", "4.3 Main Results", ["Coefficient 0.04", "Model CV-Bench BLINK VSR"]),
])
def test_a_figures_words_do_not_head_sections(name, section, figure_words):
    """On figure-heavy pages the layout engine labels a figure's words as headers (not bold, not numbered)."""
    paper = _parsed(str(CORPUS.parent / "seedpapers" / f"{name}.pdf"))
    titles = [s.title for s in paper.sections]
    assert section in titles and not set(figure_words) & set(titles), titles


@pytest.mark.parametrize("name, caption, table_text", [
    ("2504.21801", "Table 3 | Average number of tokens generated by DeepSeek-Prover-V2", "|671B|761.8|6751.9|"),
    ("2504.13914", "Table 2 Results of State-of-the-Art Reasoning Models", "Seed1.5-Thinking"),
])
def test_a_table_caption_set_as_text_joins_its_table(name, caption, table_text):
    """"Table 3 | ..." under a table, read by the layout engine as plain text: the table's chunk carries it."""
    paper = _parsed(str(CORPUS / f"{name}.pdf"))
    blocks = [b for s in paper.sections for b in s.blocks]
    assert any(b.kind == BlockKind.TABLE and b.text.startswith(caption) and table_text in b.text for b in blocks)
    assert not any(b.kind != BlockKind.TABLE and b.text.startswith(caption) for b in blocks)


@pytest.mark.parametrize("name, caption, rows", [
    ("2503.05132", "Table 3: Results on vision-centric benchmarks", "Qwen2-VL-2B + GRPO (Ours) 59.64"),
    ("2503.01840", "Table 4: Throughput at batch size = 1 on H100", "158.34 tokens/s"),
])
def test_a_table_set_as_lines_of_text_keeps_its_caption_in_its_rows_chunk(name, caption, rows, embedder):
    """Re-typeset papers set a table as lines of text; a chunk that fills up on the caption and header line did
    not end there while the rows opened the next chunk: they searched apart (VisualThinker's VSR 62.32 at rank 6)."""
    chunks = chunk_paper(_parsed(str(CORPUS.parent / "seedpapers" / f"{name}.pdf")), embedder.count_tokens, 320)
    holding = [c for c in chunks if rows in c.text]
    assert len(holding) == 1 and caption in holding[0].text, [c.text[:200] for c in chunks if caption in c.text]


def test_a_figures_words_left_among_the_sentences_are_not_embedded(embedder):
    """EAGLE-3's page 6 sets a diagram's words ("✓✓✓", "How", "do", one to a line) beside the sentence that says
    which models were not tested: the chunk shows them, its vector is made without them; rows of numbers stay."""
    chunks = chunk_paper(_parsed(str(CORPUS.parent / "seedpapers" / "2503.01840.pdf")), embedder.count_tokens, 320)
    chunk = next(c for c in chunks if "unable to test EAGLE-3 on the 405B and 671B models" in c.text)
    assert "✓" in chunk.text and "\nHow\n" in chunk.text
    assert "405B and 671B models" in chunk.embed_text and "✓" not in chunk.embed_text
    assert "\nHow\n" not in chunk.embed_text
    rows = next(c for c in chunks if "- EAGLE-3 3.96x 5.45" in c.text)
    assert "- EAGLE-3 3.96x 5.45" in rows.embed_text


def test_a_sentence_about_a_table_stays_text():
    paper = _parsed(str(CORPUS / "2501.12948.pdf"))
    assert any(b.kind == BlockKind.BODY and b.text.startswith("Table 2 provides a comparative analysis")
               for s in paper.sections for b in s.blocks)


def test_an_abstract_heading_read_before_the_title_leaves_the_authors_out_of_the_abstract():
    """ConsisLoRA (CVPR style): the layout engine reads the left column's "Abstract" before the full-width title;
    the author and affiliation lines, Figure 1's caption and the corresponding-author footnote had opened the
    abstract, and no author was found."""
    paper = _parsed(str(CORPUS.parent / "seedpapers" / "2503.10614.pdf"))
    assert paper.abstract.startswith("Style transfer involves transferring the style"), paper.abstract[:120]
    assert not re.search(r"University|Corresponding|Figure 1\.", paper.abstract)
    assert paper.authors == ["Bolin Chen", "Baoquan Zhao", "Haoran Xie", "Yi Cai", "Qing Li", "Xudong Mao"]


@pytest.mark.parametrize("name, not_a_name", [
    ("2501.12599", "TECHNICAL REPORT OF KIMI K1."),
    ("2506.03524", "Homepage GitHub Hugging Face"),
])
def test_a_running_header_or_a_row_of_links_is_no_author(name, not_a_name):
    assert not_a_name not in _parsed(str(CORPUS / f"{name}.pdf")).authors
