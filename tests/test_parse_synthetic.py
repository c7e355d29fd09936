"""Structure recovered from a two-column PDF whose right answers we wrote ourselves."""
from __future__ import annotations

import pytest

from ingest.chunking import chunk_paper
from ingest.limits import IngestLimits
from ingest.paper import BlockKind
from ingest.parse import parse_pdf
from ingest.structure import looks_like_heading
from pdf_factory import RUNNING_HEADER, SyntheticPaper


@pytest.fixture(scope="module")
def parsed(synthetic_pdf):
    return parse_pdf(synthetic_pdf, IngestLimits())


def test_metadata(parsed):
    truth = SyntheticPaper()
    assert parsed.title == truth.title
    assert parsed.arxiv_id == "2401.01234" and parsed.paper_id == "2401.01234"
    assert parsed.authors == ["Alice Smith", "Bob Jones", "Carol White"]
    assert parsed.abstract.startswith("We study gradient routing") and "37.5%" in parsed.abstract
    assert parsed.page_count >= 2


def test_section_tree_with_pages(parsed):
    titles = [s.title for s in parsed.sections if s.title != "Abstract"]
    assert titles == [h for h, _ in SyntheticPaper().sections]
    router = next(s for s in parsed.sections if s.title == "2.1 Router Training")
    assert router.level == 2 and router.path == ["2 Method", "2.1 Router Training"]
    assert parsed.sections[1].page == 1
    assert any(s.page >= 2 for s in parsed.sections), "sections on later pages keep their own page"
    limitations = next(s for s in parsed.sections if s.title == "4 Limitations")
    assert "only English text" in " ".join(b.text for b in limitations.blocks)


def test_table_as_markdown_with_caption(parsed):
    tables = [b for s in parsed.sections for b in s.blocks if b.kind == BlockKind.TABLE]
    assert len(tables) == 1
    assert tables[0].text.startswith("Table 1: Accuracy of each model size.")
    assert "|Small|350M|68.9|" in tables[0].text.replace(" ", "")


def test_references_split_and_kept_out_of_body(parsed):
    truth = SyntheticPaper().references
    assert [r.text for r in parsed.references] == truth
    assert [r.number for r in parsed.references] == list(range(1, len(truth) + 1))
    body = " ".join(b.text for s in parsed.sections for b in s.blocks)
    assert "Sparse mixtures of experts" not in body


def test_running_header_and_page_numbers_removed(parsed):
    for section in parsed.sections:
        for block in section.blocks:
            assert RUNNING_HEADER not in block.text
            assert block.text.strip() not in {"1", "2", "3"}
    assert all(RUNNING_HEADER not in r.text for r in parsed.references)


def test_chunks_follow_sections_and_fit_the_model(parsed, embedder):
    budget = 120  # small on purpose: forces splitting inside sections
    chunks = chunk_paper(parsed, embedder.count_tokens, budget)
    kinds = {c.kind for c in chunks}
    assert {"abstract", "body", "table", "reference"} <= kinds
    by_section = {s.title: " ".join(b.text for b in s.blocks) for s in parsed.sections}
    for chunk in chunks:
        assert embedder.count_tokens(chunk.embed_text) <= budget
        assert 1 <= chunk.page_start <= chunk.page_end <= parsed.page_count
        if chunk.kind == "body":  # never crosses a section boundary: all its text is in its section
            assert chunk.text.split("\n")[0][:40] in by_section[chunk.section]
            assert chunk.text.split("\n")[-1][-40:] in by_section[chunk.section]
    intro = [c for c in chunks if c.section == "1 Introduction"]
    assert len(intro) >= 2, "a section longer than the budget is split"
    assert len({c.chunk_id for c in chunks}) == len(chunks)


@pytest.mark.parametrize("text, heading", [
    ("3.2 Training Details", True), ("Limitations", True), ("A Appendix", True), ("関連研究", True),
    ("C. An Example of Using `exfalso` to Prove a Vacuously True Statement", True),
    ("0 300 600 900 1200 1500", False),  # a figure's axis
    ("Vface = Earcface(Iface). (1)", False), ("+λLLDM(θ;Dprior)", False), ("2001. 1", False),  # equation pieces
    ("Table 18 | An example of CMATH.", False), ("[Figure 151]", False), ("PROMPT", False), ("OPTIONS", False),
    ("70B overwhelmingly on Chinese benchmarks.", False),  # a sentence's tail set in bold
])
def test_layout_headings_are_checked(text, heading):
    assert looks_like_heading(text) is heading
