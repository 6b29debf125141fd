# hotline: two commands on a fresh machine, `make run` and `make test` (see README).
SHELL := /bin/bash
VENV  ?= .venv
PY    := $(VENV)/bin/python
HOTLINE := $(VENV)/bin/hotline
STAMP := $(VENV)/.installed
KB_SEED ?= ../shared/kb/faq.jsonl
WIDGET_JS := web_widget/static/widget.js
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: install kb model train run test lint web-check bench clean

install: $(STAMP) $(WIDGET_JS)  ## idempotent: .venv with the project and its test tools, the widget bundle

$(STAMP): pyproject.toml web_widget/package.json deploy/package.json
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# torch first and pinned: the CPU build lies on this machine's disk; a plain torch pulls CUDA.
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[test]'
	# esbuild, typescript and axe-core (widget bundle, type check, accessibility checks) from the npm registry
	npm install --prefix web_widget --no-audit --no-fund --silent
	# the compose specification's JSON schema (deploy/docker-compose.yml is validated against it)
	npm install --prefix deploy --no-audit --no-fund --silent
	touch $(STAMP)

kb: $(STAMP)  ## the seeded knowledge base, imported once (into the conversation database)
	$(HOTLINE) kb adopt-file  # a var/kb.db of older releases, if any
	$(HOTLINE) kb import $(KB_SEED) --no-stubs --if-empty

model: $(STAMP)  ## train a model only if none exists yet
	@ls models/*/pipeline.json >/dev/null 2>&1 || ($(HOTLINE) train && $(HOTLINE) deploy)

train: $(STAMP)  ## train a new model version from nlu_data/ and config.yml
	$(HOTLINE) train

# the citizen widget: ES modules bundled into one classic script (git-ignored, never committed)
$(WIDGET_JS): $(STAMP) $(wildcard web_widget/src/widget/*.js) web_widget/static/dom.js web_widget/static/socket.js
	npm run --prefix web_widget --silent build

web-check: $(WIDGET_JS)  ## tsc --noEmit on every page script, node --test on the pure helpers
	npm run --prefix web_widget --silent check

lint: $(STAMP)  ## ruff and mypy on the Python packages: zero findings
	$(VENV)/bin/ruff check bot kb_sync handoff
	$(VENV)/bin/mypy bot kb_sync handoff

run: kb model $(WIDGET_JS)  ## serve on http://127.0.0.1:8000
	$(HOTLINE) serve

test: $(STAMP) lint web-check
	$(PY) -m pytest

bench: kb model
	$(PY) bench/nlu.py

clean:
	rm -rf var models results tests/artifacts
