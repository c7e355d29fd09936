"""Structure recovered from a two-column PDF whose right answers we wrote ourselves."""
from __future__ import annotations

import pytest

from ingest.chunking import chunk_paper
from ingest.layout import LayoutBox, clean_text
from ingest.limits import IngestLimits
from ingest.paper import Block, BlockKind, Paper, Section
from ingest.parse import parse_pdf
from ingest.structure import build_structure, looks_like_heading
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


def test_a_sentence_cut_at_a_page_break_moves_on_into_the_next_chunk_whole():
    """A paragraph split at a page break ends one block in mid-sentence and opens the next in lower case; a chunk that
    filled up there ended on the sentence's first half, and neither chunk read it whole."""
    blocks = [Block(BlockKind.BODY, "A sentence that fills the chunk. " * 4, 1),
              Block(BlockKind.BODY, "During pre-training, we set the maximum sequence", 1),
              Block(BlockKind.BODY, "length to 4K, and train on 8.1T tokens. " + "More of the paragraph. " * 4, 2)]
    paper = Paper("x", None, "T", [], "", 1, 2, [Section("Method", 1, 1, ["Method"], blocks)], [], "0" * 64, "x.pdf")
    chunks = chunk_paper(paper, lambda text: len(text.split()), 40)
    assert [c.text.count("maximum sequence") for c in chunks] == [0, 1]
    assert "maximum sequence\nlength to 4K" in chunks[1].text and (chunks[1].page_start, chunks[1].page_end) == (1, 2)


def test_only_the_unfinished_sentence_of_a_long_piece_moves_on():
    """A paragraph too long to move on with its continuation keeps its full sentences; its last, unfinished one
    moves on, so the sentence is still read whole in one chunk."""
    blocks = [Block(BlockKind.BODY, "A sentence that fills the chunk. " * 4 + "During pre-training, we set the maximum "
                    "sequence", 1),
              Block(BlockKind.BODY, "length to 4K, and train on 8.1T tokens. " + "More of the paragraph. " * 4, 2)]
    paper = Paper("x", None, "T", [], "", 1, 2, [Section("Method", 1, 1, ["Method"], blocks)], [], "0" * 64, "x.pdf")
    chunks = chunk_paper(paper, lambda text: len(text.split()), 40)
    assert chunks[0].text.endswith("fills the chunk.") and chunks[0].page_end == 1
    assert chunks[1].text.startswith("During pre-training, we set the maximum sequence\nlength to 4K")


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


@pytest.mark.parametrize("raw, clean", [
    ("scoring 59 . 13. Kimi-Audio", "scoring 59.13. Kimi-Audio"),  # digits of a math font, as the engine gives them
    ("|Seed-Verifier|_>_98%|82_._7%|", "|Seed-Verifier|>98%|82.7%|"),
    ("set to 1 . 1 × 10_−_3 , and", "set to 1.1 × 10−3, and"),
    ("approximately 200 ,_ 000 hours", "approximately 200,000 hours"), ("|[85]<br>10,_518|", "|[85] 10,518|"),
    ("the range of Muon is (1 ,_ 1.25] of", "the range of Muon is (1, 1.25] of"),
    ("Kimi Linear achieves ∼ 1.16 × computational efficiency", "Kimi Linear achieves ∼ 1.16× computational efficiency"),
    ("a 128 × 128 box, 2 × (a + b)", "a 128 × 128 box, 2 × (a + b)"),
    ("Figure 3, 100 samples", "Figure 3, 100 samples"),
    ("sparsity up to 81 _._ 25%", "sparsity up to 81.25%"),
    ("set to _a_ = 3 _._ 4445, _b_ = _−_ 4 _._ 7750", "set to a = 3.4445, b = − 4.7750"),
    ("In ECCV, 2024. 1, 2, 5", "In ECCV, 2024. 1, 2, 5"),  # a year, then page numbers: no decimal
    ("ef_construction and max_tokens", "ef_construction and max_tokens"),
])
def test_numbers_in_math_fonts_are_mended(raw, clean):
    assert clean_text(raw) == clean


def test_bullets_met_inside_the_bibliography_go_to_the_next_section():
    """Two columns on one page: the bibliography's tail on the left, the appendix on the right (EAGLE-3)."""
    boxes = [LayoutBox("section-header", "1 Introduction", 1, 2), LayoutBox("text", "We study bees.", 1),
             LayoutBox("section-header", "References", 2, 2),
             LayoutBox("list-item", "Ada Lovelace. 2019. Notes on engines. arXiv preprint.", 2),
             LayoutBox("list-item", "• EAGLE-3: the draft tree depth goes", 2),
             LayoutBox("text", "from 6 to 8.", 2),  # the bullet's next line, a box of its own
             LayoutBox("list-item", "Alan Turing. 2020. On numbers. In Proceedings.", 2),
             LayoutBox("section-header", "A Implementation Details", 2, 2),
             LayoutBox("text", "Vanilla: we use the default settings.", 2)]
    structure = build_structure(boxes, "Bees")
    assert [r.text[:12] for r in structure.references] == ["Ada Lovelace", "Alan Turing."]
    appendix = structure.sections[-1]
    assert appendix.title == "A Implementation Details"
    assert appendix.blocks[0].text.replace("\n", " ") == "• EAGLE-3: the draft tree depth goes from 6 to 8."
    assert appendix.blocks[1].text.startswith("Vanilla")


def test_a_figures_words_labelled_as_headers_stay_text_of_their_section():
    """EAGLE-3's figure-heavy pages: "LM Head" and "How can I" came as headers and split section 2.2."""
    boxes = [LayoutBox("section-header", "Speculative Bees", 1, 2, bold=True),
             LayoutBox("section-header", "1 Introduction", 1, 2, bold=True), LayoutBox("text", "We study bees.", 1),
             LayoutBox("section-header", "2 Background", 3, 2, bold=True),
             LayoutBox("section-header", "2.2 EAGLE and EAGLE-2", 4, 2, bold=True),
             LayoutBox("section-header", "LM Head", 4, 3), LayoutBox("text", "The draft model reuses features.", 4),
             LayoutBox("section-header", "How can I", 4, 3),
             LayoutBox("section-header", "Training Details", 5, 3, bold=True), LayoutBox("text", "We train it.", 5),
             LayoutBox("section-header", "3 EAGLE-3 in vLLM", 6, 3)]  # numbered: a heading, bold or not
    structure = build_structure(boxes, "Bees")
    assert [s.path_text for s in structure.sections] == [
        "1 Introduction", "2 Background", "2 Background > 2.2 EAGLE and EAGLE-2",
        "2 Background > 2.2 EAGLE and EAGLE-2 > Training Details", "3 EAGLE-3 in vLLM"]
    blocks = [b.text for b in structure.sections[2].blocks]
    assert blocks == ["LM Head", "The draft model reuses features.", "How can I"]
