# mlsysim: one task runner. The README's two commands are `make serve` and `make test`;
# both install whatever is missing (virtual environment, Python and npm packages, Chromium).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
VPY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
NODE_STAMP := node_modules/.installed-$(shell cat package.json package-lock.json 2>/dev/null | cksum | cut -d' ' -f1)
PORT ?= 4200

.PHONY: help setup node chromium site serve test test-fast bench fuzz check clean

help:
	@echo "make serve   build the web book (when stale) and serve it on http://127.0.0.1:$(PORT)"
	@echo "make test    install what is missing and run every test (unit, site, browser)"
	@echo "make bench   speed benchmarks side by side with mlsysim 0.3.0"
	@echo "make site    build the web book into _site/"

$(STAMP): pyproject.toml
	@test -x $(VPY) || $(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install -q --disable-pip-version-check --upgrade pip
	$(VPY) -m pip install -q --disable-pip-version-check -e ".[cli,charts,mcp,site,dev]"
	@rm -f $(VENV)/.installed-*
	@touch $@

setup: $(STAMP)

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@rm -f node_modules/.installed-*
	@touch $@

node: $(if $(wildcard package.json),$(NODE_STAMP),)

chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium (browser tests)"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) || \
	  (sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null); }

site: setup node
	$(VPY) tools/build_site.py

serve: site
	$(VPY) tools/serve.py --port $(PORT)

test: setup node chromium
	$(VPY) tools/build_site.py
	$(VPY) -m pytest

test-fast: setup
	$(VPY) -m pytest -m "not browser and not site"

bench: setup node chromium
	$(VPY) tools/build_site.py
	$(VPY) benchmarks/run.py
	$(VPY) benchmarks/browser.py
	$(VPY) benchmarks/site_build.py

fuzz: setup
	$(VPY) tools/fuzz.py --seconds $${FUZZ_SECONDS:-60}

clean:
	rm -rf _site reference .bench build dist *.egg-info site/vendor .site-build _version.yml .quarto zoo/hardware.qmd zoo/models.qmd zoo/systems.qmd zoo/infra.qmd zoo/scenarios.qmd site/walls.qmd site/cli.qmd site/_generated
