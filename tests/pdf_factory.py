"""PDFs the tests make themselves, so every structural claim has a known right answer.

A paper is laid out from HTML with PyMuPDF's Story into two columns, then stamped with a running
header, page numbers and the sideways arXiv stamp, as a real preprint has.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pymupdf

RUNNING_HEADER = "Proceedings of the Synthetic Workshop on Testing 2025"
LOREM = (
    "The method processes each input with a shared encoder and a small routing network. "
    "We observed stable training across seeds and report the mean of three runs. "
    "Ablations isolate the effect of each component on the final accuracy. "
)


@dataclass
class SyntheticPaper:
    title: str = "Gradient Routing for Sparse Experts in Tiny Language Models"
    arxiv_id: str | None = "2401.01234"
    authors: str = "Alice Smith, Bob Jones and Carol White"
    abstract: str = ("We study gradient routing for sparse mixture-of-experts models with fewer than one billion "
                     "parameters. Our method reduces training cost by 37.5% while matching dense baselines.")
    sections: list[tuple[str, str]] = field(default_factory=lambda: [
        ("1 Introduction", "Sparse experts promise cheap scaling. " + LOREM * 6),
        ("2 Method", "Our router assigns tokens to experts. " + LOREM * 5),
        ("2.1 Router Training", "The router is trained with an auxiliary loss. " + LOREM * 5),
        ("3 Experiments", "We train on 12 billion tokens with 64 GPUs for 3 days. " + LOREM * 6),
        ("4 Limitations", "Our study covers only English text and models below one billion parameters. " + LOREM * 3),
        ("5 Conclusion", "Gradient routing is a simple and effective recipe. " + LOREM * 2),
    ])
    table_after: str = "3 Experiments"
    references: list[str] = field(default_factory=lambda: [
        "A. Author and B. Builder. Sparse mixtures of experts. In Proceedings of ICML, 2021.",
        "C. Coder. Routing networks revisited. arXiv preprint arXiv:2101.00001, 2021.",
        "D. Dev, E. Engineer, and F. Fixer. Load balancing for expert models. In NeurIPS, 2022.",
        "G. Gauss. Scaling laws for tiny models. Journal of Testing, 12(3):1-20, 2023.",
        "H. Hilbert and I. Ito. Auxiliary losses considered helpful. In ACL, 2024.",
    ] + [f"J. Writer{i} and K. Reader{i}. Follow-up study number {i} on expert routing. In EMNLP, 2024."
         for i in range(6, 31)])
    extra_sentence: str = ""  # change it to make a "changed file" with the same identity


# two small papers on neighbouring topics: a question about one must not drift to the other
BEES = SyntheticPaper(arxiv_id="2406.00001", title="BeeNet: Counting Honeybees with Tiny Vision Models", sections=[
    ("1 Introduction", "Counting honeybees at the hive entrance helps beekeepers track colony health. " * 12),
    ("2 Method", "BeeNet detects bees in 64x64 crops with a 2M-parameter convolutional network. " * 12),
    ("3 Limitations", "BeeNet fails at night because the infrared camera saturates. " * 8),
], table_after="2 Method")
ANTS = SyntheticPaper(arxiv_id="2406.00002", title="AntTrack: Following Ant Trails with Graph Networks", sections=[
    ("1 Introduction", "Ant trails form dynamic graphs that change as pheromones evaporate. " * 12),
    ("2 Method", "AntTrack links detections over frames with a graph neural network. " * 12),
    ("3 Limitations", "AntTrack loses trails when ants cross each other more than twice. " * 8),
    ("4 Implementation Details", "We train AntTrack on two RTX 3090 cards for 30 hours. " * 2),
], table_after="2 Method")


def _html(paper: SyntheticPaper) -> str:
    parts = [f"<h1>{paper.title}</h1>", f"<p><i>{paper.authors}</i></p>",
             f"<h2>Abstract</h2><p>{paper.abstract} {paper.extra_sentence}</p>"]
    for heading, body in paper.sections:
        tag = "h3" if heading.split(" ")[0].count(".") else "h2"
        parts.append(f"<{tag}>{heading}</{tag}><p>{body}</p>")
        if heading == paper.table_after:
            parts.append(
                "<p>Table 1: Accuracy of each model size.</p>"
                "<table style='border-collapse: collapse'>"
                "<tr><td>Model</td><td>Params</td><td>Accuracy</td></tr>"
                "<tr><td>Tiny</td><td>125M</td><td>61.2</td></tr>"
                "<tr><td>Small</td><td>350M</td><td>68.9</td></tr>"
                "<tr><td>Base</td><td>770M</td><td>74.4</td></tr></table>"
                f"<p>{LOREM}</p>")
    parts.append("<h2>References</h2>")
    parts.extend(f"<p>[{i}] {ref}</p>" for i, ref in enumerate(paper.references, 1))
    style = "<style>td {border: 1px solid black; padding: 2px}</style>"
    return style + "<body style='font-family: serif; font-size: 9pt'>" + "".join(parts) + "</body>"


def make_paper_pdf(path: Path, paper: SyntheticPaper | None = None) -> Path:
    """Write a two-column synthetic paper to `path` and return it."""
    paper = paper or SyntheticPaper()
    page_rect = pymupdf.paper_rect("letter")
    margin, gap = 54, 18
    width = (page_rect.width - 2 * margin - gap) / 2
    columns = [pymupdf.Rect(margin, 72, margin + width, page_rect.height - 72),
               pymupdf.Rect(margin + width + gap, 72, page_rect.width - margin, page_rect.height - 72)]
    story = pymupdf.Story(html=_html(paper))
    writer = pymupdf.DocumentWriter(str(path))
    more, column = True, 0
    device = None
    while more:
        if column == 0:
            device = writer.begin_page(page_rect)
        more, _ = story.place(columns[column])
        story.draw(device)
        column = (column + 1) % 2
        if column == 0 or not more:
            writer.end_page()
            column = 0
    writer.close()
    _stamp(path, paper)
    return path


def _stamp(path: Path, paper: SyntheticPaper) -> None:
    """Running header, page numbers and the arXiv stamp, drawn onto the laid-out pages."""
    doc = pymupdf.open(path)
    for number, page in enumerate(doc, 1):
        page.insert_text((54, 40), RUNNING_HEADER, fontsize=8, fontname="helv")
        page.insert_text((page.rect.width / 2 - 4, page.rect.height - 36), str(number), fontsize=9)
        if number == 1 and paper.arxiv_id:
            page.insert_text((30, 560), f"arXiv:{paper.arxiv_id}v2  [cs.CL]  3 Jan 2024", fontsize=14,
                             rotate=90, color=(0.5, 0.5, 0.5))
    tmp = path.with_suffix(".tmp")
    doc.save(tmp)
    doc.close()
    tmp.replace(path)


def make_scanned_pdf(path: Path) -> Path:
    """An image-only page: what a scan without OCR looks like."""
    doc = pymupdf.open()
    page = doc.new_page()
    pix = pymupdf.Pixmap(pymupdf.csRGB, pymupdf.IRect(0, 0, 200, 200), False)
    pix.clear_with(200)
    page.insert_image(pymupdf.Rect(50, 50, 500, 500), pixmap=pix)
    doc.save(path)
    return path


def make_encrypted_pdf(path: Path, source: Path) -> Path:
    doc = pymupdf.open(source)
    doc.save(path, encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="secret", owner_pw="owner")
    return path


def make_zero_page_pdf(path: Path) -> Path:
    """A syntactically valid PDF whose page tree is empty (MuPDF refuses to save one itself)."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    path.write_bytes(bytes(out))
    return path


def make_corrupted_pdf(path: Path, source: Path) -> Path:
    """A real PDF's header followed by garbage: opens as PDF by name, fails to parse."""
    data = source.read_bytes()
    path.write_bytes(data[:1024] + bytes(range(256)) * 64)
    return path
