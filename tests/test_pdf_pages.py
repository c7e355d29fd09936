"""A quote located on its PDF page for highlighting: across line breaks and ligatures, and never anywhere
when the page does not hold the whole of it."""
from __future__ import annotations

import pymupdf

from index.pdf_pages import PdfPages, quote_rects

LIMITS = "Our study covers only English text and models below one billion parameters."  # p.2, over two lines
ABSTRACT = "Our method reduces training cost by 37.5% while matching dense baselines."  # p.1, "eﬀect" nearby


def test_a_quote_over_a_line_break_is_found_line_by_line(synthetic_pdf):
    with pymupdf.open(synthetic_pdf) as doc:
        rects = quote_rects(doc[1], LIMITS)
        assert len(rects) == 2  # one rectangle per line it spans
        assert all(doc[1].get_textbox(r + (-1, -1, 1, 1)).strip() for r in rects)
        assert quote_rects(doc[0], "Ablations isolate the effect of each component on the final accuracy.")  # ﬀ, ﬁ
        assert quote_rects(doc[0], ABSTRACT + " …")  # a clipped quote's ellipsis is not part of it


def test_a_quote_the_page_does_not_hold_is_not_highlighted(synthetic_pdf):
    with pymupdf.open(synthetic_pdf) as doc:
        assert quote_rects(doc[0], LIMITS) == []  # on another page
        assert quote_rects(doc[1], LIMITS.replace("English", "Japanese")) == []  # a near miss is no match
        assert quote_rects(doc[1], "the") == []  # too short to place


def test_pages_render_with_the_quote_marked_and_clamped_to_the_file(synthetic_pdf):
    pages = PdfPages(lambda paper_id: str(synthetic_pdf) if paper_id == "p" else None)
    image = pages.render("p", 2, LIMITS)
    assert image.found and image.png.startswith(b"\x89PNG") and (image.page, image.pages) == (2, 3)
    assert not pages.render("p", 1, LIMITS).found
    assert pages.render("p", 99).page == 3
    assert pages.render("gone", 1) is None


def test_a_quote_the_parse_interrupted_is_shown_as_the_page_prints_it(synthetic_pdf):
    pages = PdfPages(lambda paper_id: str(synthetic_pdf))
    limits = LIMITS.split(" and ")  # "Our study covers only English text", "models below one billion parameters."
    parsed = f"{limits[0]} Table 3: Results. and {limits[1]}"  # a caption the parser set inside the sentence
    assert not pages.quote_on_page("p", 2, parsed)
    printed = pages.as_printed("p", 2, parsed)
    assert printed == f"{limits[0]} … and {limits[1]}" and pages.quote_on_page("p", 2, printed)
    assert not pages.quote_on_page("p", 2, f"{limits[1]} … {limits[0]}")  # pieces in the page's order only
    with pymupdf.open(synthetic_pdf) as doc:
        assert quote_rects(doc[1], printed)  # each piece highlighted
    assert pages.as_printed("p", 2, LIMITS) == LIMITS  # whole on its page: unchanged
    assert pages.as_printed("p", 1, LIMITS) == LIMITS  # not on the page: left as it is, and fails the check


def test_a_figure_the_page_prints_right_after_the_quotes_words_stays_in_it(synthetic_pdf):
    """MoBA's "sparsity up to 1 −512 8192×3 = 81.25%": the page sets the fraction otherwise, and the number after
    it, a run shorter than a piece, had been elided with the formula."""
    pages = PdfPages(lambda paper_id: str(synthetic_pdf))
    printed = pages.as_printed("p", 1, "Our method reduces training cost by roughly 37.5% (Table 9).")
    assert printed == "Our method reduces training cost by … 37.5% …" and pages.quote_on_page("p", 1, printed)
