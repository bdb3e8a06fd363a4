# Every target but clean and lock first creates .venv: the exact versions pinned in
# requirements.lock, then computesim itself (editable), both with --no-deps so that nothing
# unpinned slips in, and pip check to fail loudly if the lock misses a dependency.
# `make bench` also installs the bench extra (ciw, the peer it is measured against) from
# requirements-bench.lock, on top; `make test` never needs it. `make lock` re-pins both.
#
# SCENARIO, SWEEP and REPS are one argument each, passed as they are. ARGS is a list of words,
# split the way a shell splits them (quotes group: ARGS='-m "not slow"') but never run by a
# shell: `;`, `$(...)`, `*` reach the program as plain text. None is expanded by make either.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP = $(call quote,$(PY)) -m pip --disable-pip-version-check
STAMP := $(VENV)/.installed
LOCK := requirements.lock
BENCH_STAMP := $(VENV)/.bench-installed
BENCH_LOCK := requirements-bench.lock
SCENARIO ?= qingyang
SWEEP ?= qingyang-price-fee
REPS ?=
ARGS ?=
# make would expand command-line variables to export them to recipes: `$(shell ...)` would run.
unexport SCENARIO SWEEP REPS ARGS

# One shell word holding $(1) exactly: wrap it in '...' and write each ' inside as '\''.
quote = '$(subst ','\'',$(1))'

# Run by `python -c` with ARGS as argv[1] and the command after it; exec, so that make (and
# Ctrl-C) deal with the program itself and its exit status is the recipe's.
define EXEC_WITH_ARGS
import os, shlex, sys
try:
    words = shlex.split(sys.argv[1])
except ValueError as e:
    print(f"make: ARGS: {e}: {sys.argv[1]}", file=sys.stderr)
    sys.exit(2)
os.environ.pop("EXEC_WITH_ARGS", None)  # not the program's business
os.execv(sys.executable, [sys.executable, *sys.argv[2:], *words])
endef
export EXEC_WITH_ARGS
with_args = $(call quote,$(PY)) -c "$$EXEC_WITH_ARGS" $(call quote,$(value ARGS))
# A name that starts with "-" would reach the program as an option (SCENARIO=-h: the help, exit
# 0): refused in one line, exit 2, before anything runs. Expands to nothing otherwise.
refuse_option = $(if $(filter -%,$(firstword $(value $(1)))),printf '%s\n' $(call quote,make: $(1)=$(value $(1)): must name a file: it starts with "-" like an option (options go in ARGS)) >&2; exit 2;)

check_python = $(call quote,$(PYTHON)) -c 'import sys; sys.exit("computesim needs Python >= 3.11, found " + sys.version.split()[0]) if sys.version_info < (3, 11) else None'

.PHONY: sim sweep sensitivity lint lint-fix test test-deep mutate bench lock clean compiled clean-compiled

$(STAMP): pyproject.toml $(LOCK)
	@$(check_python)
	@echo "Installing into $(VENV): the versions pinned in $(LOCK), then computesim (once; a minute or two)"
	$(call quote,$(PYTHON)) -m venv $(VENV)
	$(PIP) install --progress-bar on --no-deps -r $(LOCK)
	$(PIP) install --no-deps -e .
	$(PIP) check
	@touch $(STAMP)

# A failing run ends with make's own line "make: *** [Makefile:N: sim] Error C": C is the
# simulator's exit code (2 bad input, 1 results not written); make itself then exits 2.
# REPS=N: N replications with 95 % intervals instead of one run.
sim: $(STAMP)
	@$(call refuse_option,SCENARIO)$(with_args) -m sim run $(call quote,$(value SCENARIO)) $(if $(value REPS),--reps $(call quote,$(value REPS)))

sweep: $(STAMP)
	@$(call refuse_option,SWEEP)$(with_args) -m sim sweep $(call quote,$(value SWEEP))

sensitivity: $(STAMP)
	@$(call refuse_option,SWEEP)$(with_args) -m sim sensitivity $(call quote,$(value SWEEP))

# What a scenario does not know (its [uncertainty]); with ARGS='--samples N', the verdict as a
# distribution: make uncertainty SCENARIO=zhonghe ARGS='--samples 64'
.PHONY: uncertainty
uncertainty: $(STAMP)
	@$(call refuse_option,SCENARIO)$(with_args) -m sim uncertainty $(call quote,$(value SCENARIO))

# make compare SCENARIOS="qingyang qingyang@policy.queue=fifo" [REPS=N] [ARGS=...]: SCENARIOS is a
# list, split into words as ARGS is (quotes group, nothing runs); they come before ARGS's words.
SCENARIOS ?= qingyang qingyang-as-claimed
unexport SCENARIOS
.PHONY: compare
define EXEC_COMPARE
import os, shlex, sys
words = []
for name, text in (("SCENARIOS", sys.argv[1]), ("ARGS", sys.argv[2])):
    try:
        words += shlex.split(text)
    except ValueError as e:
        print(f"make: {name}: {e}: {text}", file=sys.stderr)
        sys.exit(2)
os.environ.pop("EXEC_COMPARE", None)  # not the program's business
os.execv(sys.executable, [sys.executable, "-m", "sim", "compare", *words, *sys.argv[3:]])
endef
export EXEC_COMPARE

compare: $(STAMP)
	@$(call quote,$(PY)) -c "$$EXEC_COMPARE" $(call quote,$(value SCENARIOS)) $(call quote,$(value ARGS)) $(if $(value REPS),--reps $(call quote,$(value REPS)))

# The value of one parameter at which a metric's mean reaches a target (python -m sim solve --help), e.g.
# make solve SCENARIO=qingyang ARGS='--target operator_revenue=40e6 --vary pricing.price_cny_per_pflops_year=40000:400000'
.PHONY: solve
solve: $(STAMP)
	@$(call refuse_option,SCENARIO)$(with_args) -m sim solve $(call quote,$(value SCENARIO))

# ruff (rules F, B, I, UP) on sim/, tests/ and benchmarks/ and mypy on sim/, as configured in pyproject.toml; make test runs it
# first and stops on any finding. lint-fix applies ruff's safe fixes (import order, pyupgrade,
# unused imports) in place, then lints: what is left needs a hand.
lint: $(STAMP)
	$(call quote,$(PY)) -m ruff check sim tests benchmarks
	$(call quote,$(PY)) -m mypy sim

lint-fix: $(STAMP)
	$(call quote,$(PY)) -m ruff check --fix sim tests benchmarks
	$(call quote,$(PY)) -m mypy sim

test: lint
	@$(with_args) -m pytest -n auto -q

# The property and fuzz tests with five times their examples (tests/depth.py, docs/testing.md):
# before a release, or after changing the scheduler or the loader. Roughly half an hour on 2 cores
# (an estimate: five times these files' share of make test).
test-deep: lint
	@TEST_DEPTH=5 $(with_args) -m pytest -n auto -q tests/test_invariants.py tests/test_loader_fuzz.py \
		tests/test_fractions.py tests/test_outputs.py tests/test_load_run_render.py

# Mutation testing of the money and scheduling code with mutmut (docs/testing.md); not part of
# make test. Config in pyproject.toml [tool.mutmut]; work and cache in mutants/, so a rerun tests
# only the mutants of functions that changed. MUTATE_JOBS workers; the run stops after
# MUTATE_TIMEOUT seconds (everything tested so far is kept: run it again to go on). Then a
# table per package and the survivors (tests/mutation_scope.py).
MUTATE_JOBS ?= 2
MUTATE_TIMEOUT ?= 3600
mutate: $(STAMP)
	@status=0; timeout $(call quote,$(MUTATE_TIMEOUT)) $(call quote,$(VENV)/bin/mutmut) run --max-children $(call quote,$(MUTATE_JOBS)) || status=$$?; \
	if [ $$status = 124 ]; then echo "make mutate: stopped after $(MUTATE_TIMEOUT) s; what was tested is kept, run it again to go on"; fi; \
	$(call quote,$(PY)) tests/mutation_scope.py && exit $$status

# The optional compiled core: the modules listed in sim/compiled.py (MODULES) built with mypyc
# (in the dev extra; needs a C compiler) into extension files beside their .py, used from then on
# by everything that imports sim (make sim, sweep, test, bench). sim/compiled-sources.json
# records the sources' hashes: after an edit the build is not used (one line on stderr says so)
# until `make compiled` runs again. `make clean-compiled` removes the build.
compiled: $(STAMP)
	@$(call quote,$(PY)) -c 'import sys; from sim import compiled; sys.exit(compiled.main(["build"]))'

# What sim/compiled.py's clean() removes, without needing .venv: every extension file under sim/.
clean-compiled:
	find sim \( -name '*.so' -o -name '*.pyd' \) -not -path '*/__pycache__/*' -delete
	rm -rf sim/compiled-sources.json build/mypyc

# The bench extra, pinned on top of the main lock (made against it, so nothing there moves).
$(BENCH_STAMP): $(STAMP) $(BENCH_LOCK)
	$(PIP) install --progress-bar on --no-deps -r $(BENCH_LOCK)
	$(PIP) check
	@touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	@$(with_args) -m benchmarks

# Re-pin: install .[dev] into a throwaway venv from the package index and freeze what pip chose;
# then add .[bench] there, held to those pins (-c), and freeze what it added (setuptools too:
# ciw needs a newer one than a fresh venv has; pip itself is left out).
lock:
	@$(check_python)
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	$(call quote,$(PYTHON)) -m venv "$$tmp" && \
	"$$tmp/bin/python" -m pip --disable-pip-version-check install --progress-bar on -e '.[dev]' && \
	made_on=$$("$$tmp/bin/python" -c 'import platform as p; print("Python", p.python_version(), p.system(), p.machine())') && \
	{ echo "# Exact versions that make installs into $(VENV) before computesim itself (--no-deps)."; \
	  echo "# Made by make lock on $$made_on: pip install -e .[dev] into a fresh venv, pip freeze."; \
	  echo "# Change dependencies in pyproject.toml and run make lock; do not edit by hand."; \
	  "$$tmp/bin/python" -m pip --disable-pip-version-check freeze --exclude-editable; } > $(LOCK).tmp && \
	mv $(LOCK).tmp $(LOCK) && echo "wrote $(LOCK)" && \
	"$$tmp/bin/python" -m pip --disable-pip-version-check install --progress-bar on -c $(LOCK) -e '.[dev,bench]' && \
	{ echo "# Exact versions of the bench extra that make bench adds on top of $(LOCK) (--no-deps)."; \
	  echo "# Made by make lock on $$made_on: pip install -e .[dev,bench] -c $(LOCK), pip freeze --all,"; \
	  echo "# less what $(LOCK) pins and pip. Change the extra in pyproject.toml and run make lock."; \
	  "$$tmp/bin/python" -m pip --disable-pip-version-check freeze --all --exclude-editable \
	    | grep -v -i -x -F -f $(LOCK) | grep -v -i '^pip=='; } > $(BENCH_LOCK).tmp && \
	mv $(BENCH_LOCK).tmp $(BENCH_LOCK) && echo "wrote $(BENCH_LOCK)"

clean: clean-compiled
	rm -rf $(VENV) .pytest_cache .hypothesis mutants .mypy_cache .ruff_cache
