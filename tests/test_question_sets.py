"""The benchmarks' question sets as bench/questions/check.py reads them: every fact of every answerable question
occurs verbatim in its paper's text, so a hit counted on a retrieved chunk is a hit in the paper."""
from __future__ import annotations

import importlib.util
import json

import pytest

from helpers import CORPUS, ROOT, SEEDPAPERS, needs_corpus

_spec = importlib.util.spec_from_file_location("question_check", ROOT / "bench" / "questions" / "check.py")
check = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(check)


@pytest.fixture(scope="module")
def texts() -> dict[str, str]:
    return check.paper_texts([CORPUS, SEEDPAPERS])


@needs_corpus()
@pytest.mark.parametrize("name", ["dev", "fresh", "fresh2", "unanswerable"])
def test_every_fact_is_verbatim_in_its_paper(name: str, texts: dict[str, str]):
    rows = [json.loads(line) for line in (ROOT / "bench" / "questions" / f"{name}.jsonl").read_text().splitlines()
            if line.strip()]
    assert not {row["id"]: found for row in rows if (found := check.problems(row, texts))}
    assert len({row["id"] for row in rows}) == len(rows)  # ids are unique
