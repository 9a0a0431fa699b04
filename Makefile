# amp.alerting — developer entry points. `make help` lists them.
# Every target that needs Python tools creates .venv first (make setup).

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
COLLECTION_LINK := $(VENV)/collections/ansible_collections/amp/alerting
SANITY_ROOT := build/sanity/ansible_collections/amp/alerting
SANDBOX := PYTHONPATH=tests $(BIN)/python -m sandbox
SITE_PACKAGES = $(shell $(BIN)/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
# The pip version ansible-test bootstraps into its sanity venvs names the get-pip file it looks for.
ANSIBLE_TEST_PIP = $(shell $(BIN)/python -c 'from ansible_test._internal.python_requirements import get_venv_packages as g; \
  from ansible_test._internal.host_configs import NativePythonConfig as P; print(g(P(version="3.11"))["pip"].replace(".", "_"))')
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg

.PHONY: help system-packages setup demo test checks checks-beside-pytest test-python molecule sanity docs-check lint ee bench sandbox-up sandbox-env sandbox-down clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

$(STAMP): requirements.txt test-requirements.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r test-requirements.txt
	@touch $@

$(COLLECTION_LINK):
	@mkdir -p $(dir $@)
	@ln -sfn ../../../.. $@

# (and the bytecode of the collection's plugins: every Ansible worker process loads the filter plugins a task
# templates, and compiles them from source where Python may not write bytecode - PYTHONDONTWRITEBYTECODE, as on
# this project's machines; compileall writes it anyway, and Python ignores bytecode older than its source)
setup: $(STAMP) $(COLLECTION_LINK) ## create .venv with the pinned tools and link this checkout as amp.alerting
	@$(BIN)/python -m compileall -q plugins > /dev/null

system-packages: ## apt-get install prometheus, prometheus-alertmanager, python3-venv when missing (services not started)
	@.ci/install-debian-packages

demo: system-packages setup ## run the main job on the local sandbox (no AWS account needed)
	PYTHONPATH=tests $(BIN)/python -m demo

# The pytest suites beside the other checks: those run one process at a time and left a core idle
# for ~5 minutes at the end (2 cores: CPU busy 77% -> 88% of the run). Each prints its output when it
# is done (--output-sync); either failing fails the run.
test: system-packages setup ## run every test: lint, sandbox, unit, integration, molecule, ansible-doc and ansible-test sanity
	$(MAKE) --no-print-directory -j2 --output-sync=target test-python checks-beside-pytest

# The checks at the lowest CPU priority: the slowest pytest worker sets the wall time of make test, and
# the checks (one process, ~3 CPU-minutes) slowed both workers ~30 % when they competed as equals.
checks-beside-pytest: setup
	nice -n 19 $(MAKE) --no-print-directory checks

checks: setup ## lint, molecule, ansible-doc and ansible-test sanity, one after the other
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory molecule
	$(MAKE) --no-print-directory docs-check
	$(MAKE) --no-print-directory sanity

# One pytest worker per core (12.7 → 9 min on 2 cores): most tests wait on ansible-playbook. Each worker has its own sandbox.
PYTEST_WORKERS ?= auto
test-python: setup ## the pytest suites only (PYTEST_WORKERS=0 runs them in one process)
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist worksteal --durations=15

lint: setup ## ansible-lint (production profile), yamllint, the changelog fragments and CHANGELOG.rst up to date
	PATH=$(CURDIR)/$(BIN):$$PATH $(BIN)/ansible-lint --offline
	$(BIN)/yamllint --strict .
	@cd $(CURDIR) && PATH=$(CURDIR)/$(BIN):$$PATH $(BIN)/antsibull-changelog lint
	$(BIN)/antsibull-changelog lint-changelog-yaml changelogs/changelog.yaml
	@mkdir -p build && PATH=$(CURDIR)/$(BIN):$$PATH $(BIN)/antsibull-changelog generate --output build/CHANGELOG.rst \
	  --output-format rst && diff -u CHANGELOG.rst build/CHANGELOG.rst \
	  || { echo "CHANGELOG.rst is not what antsibull-changelog generates: run antsibull-changelog generate"; exit 1; }
	@echo "lint: ansible-lint (production), yamllint, changelog: ok"

ee: setup ## execution environment build context in build/ee/context (ansible-builder create; build it with podman)
	@rm -rf build/ee && mkdir -p build/ee
	$(BIN)/ansible-galaxy collection build --force --output-path build/ee .
	@cp build/ee/amp-alerting-*.tar.gz build/ee/amp-alerting.tar.gz
	$(BIN)/ansible-builder create -f execution-environment.yml -c build/ee/context --output-filename Containerfile
	@echo "build it where a container engine runs: podman build -t amp-alerting-ee build/ee/context"

bench: setup ## print the benchmark figures (forwarder; validators and corpus agreement; site.yml time, CPU and API calls)
	$(BIN)/python benchmarks/forwarder.py
	$(BIN)/python benchmarks/validation.py
	$(BIN)/python benchmarks/site.py

molecule: setup ## molecule scenarios (extensions/molecule), each on its own sandbox
	@for scenario in $$(ls extensions/molecule/*/molecule.yml | xargs -n1 dirname | xargs -n1 basename); do \
	  echo "==> molecule test -s $$scenario"; \
	  PATH=$(CURDIR)/$(BIN):$$PATH $(BIN)/molecule test -s $$scenario; \
	done

docs-check: setup ## every module, filter, lookup and role renders with ansible-doc
	@modules=$$(ls plugins/modules/*.py | xargs -n1 basename | sed 's/\.py$$//'); \
	test -n "$$modules"; \
	for m in $$modules; do \
	  $(BIN)/ansible-doc -t module amp.alerting.$$m > /dev/null; \
	  echo "ansible-doc -t module amp.alerting.$$m: ok"; \
	done; \
	for f in $$(ls plugins/filter/*.yml | xargs -n1 basename | sed 's/\.yml$$//'); do \
	  $(BIN)/ansible-doc -t filter amp.alerting.$$f > /dev/null; \
	  echo "ansible-doc -t filter amp.alerting.$$f: ok"; \
	done; \
	for l in $$(ls plugins/lookup/*.py | xargs -n1 basename | sed 's/\.py$$//'); do \
	  $(BIN)/ansible-doc -t lookup amp.alerting.$$l > /dev/null; \
	  echo "ansible-doc -t lookup amp.alerting.$$l: ok"; \
	done; \
	for r in $$(ls -d roles/*/ | xargs -n1 basename); do \
	  test -f roles/$$r/meta/argument_specs.yml || { echo "roles/$$r has no meta/argument_specs.yml"; exit 1; }; \
	  test -f roles/$$r/README.md || { echo "roles/$$r has no README.md"; exit 1; }; \
	  $(BIN)/ansible-doc -t role amp.alerting.$$r > /dev/null; \
	  echo "ansible-doc -t role amp.alerting.$$r: ok"; \
	done

# ansible-test needs the collection under ansible_collections/NAMESPACE/NAME with its dependencies
# beside it, and a get-pip script it normally downloads from a host this network does not reach.
# It runs on what the built tarball holds (what Galaxy and Automation Hub check): the product, no tests.
sanity: setup ## ansible-test sanity on the built tarball's content, laid out as ansible_collections/amp/alerting
	@rm -rf build/sanity && mkdir -p $(SANITY_ROOT) build/sanity/dist build/sanity/ansible_collections/{amazon,community}
	@$(BIN)/ansible-galaxy collection build --output-path build/sanity/dist . > /dev/null
	@tar -xzf build/sanity/dist/amp-alerting-*.tar.gz -C $(SANITY_ROOT)
	@test ! -e $(SANITY_ROOT)/tests || test "$$(ls $(SANITY_ROOT)/tests)" = sanity \
	  || { echo "the tarball ships tests/ beyond tests/sanity"; exit 1; }
	@for dep in amazon/aws community/aws; do \
	  ln -sfn $(SITE_PACKAGES)/ansible_collections/$$dep build/sanity/ansible_collections/$$dep; \
	done
	@mkdir -p $(HOME)/.ansible/test/cache && cp .ci/get_pip.py $(HOME)/.ansible/test/cache/get_pip_$(ANSIBLE_TEST_PIP).py
	@cd $(SANITY_ROOT) && git init -q && git add -A && \
	  PATH=$(CURDIR)/$(BIN):$$PATH $(CURDIR)/$(BIN)/ansible-test sanity --python 3.11 --color no

sandbox-up: setup ## start the AWS sandbox in the background
	@$(SANDBOX) up

sandbox-env: setup ## print export lines for the sandbox: eval "$(make -s sandbox-env)"
	@$(SANDBOX) env

sandbox-down: ## stop the sandbox started by sandbox-up
	@test -x $(BIN)/python && $(SANDBOX) down || true

clean: sandbox-down ## remove build output (keeps .venv)
	rm -rf build .pytest_cache tests/output
