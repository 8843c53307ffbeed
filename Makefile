# Buurtpad — `make run` serves the demo on http://127.0.0.1:5000, `make test` runs the tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
DEMO_PASSWORD ?= buurtpad-demo
PORT ?= 5000

.PHONY: install run demo test test-postgres lint translations bench loadtest mutation clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

instance/secret_key:
	mkdir -p instance
	$(BIN)/python -c "import secrets; print(secrets.token_hex(32))" > $@

# Signed checkpoints of the logs: the signing key and the checkpoints stay outside the database.
CHECKPOINTS := BUURTPAD_CHECKPOINT_KEY=instance/checkpoint_key BUURTPAD_CHECKPOINTS=instance/checkpoints.jsonl

instance/checkpoint_key: | $(VENV)/.installed instance/secret_key
	SECRET_KEY=$$(cat instance/secret_key) $(FLASK) audit keygen $@

# One command: install, migrate, load the demo neighbourhood (once), take a checkpoint, serve.
run: install instance/secret_key instance/checkpoint_key
	SECRET_KEY=$$(cat instance/secret_key) $(FLASK) db upgrade
	SECRET_KEY=$$(cat instance/secret_key) $(FLASK) demo --password '$(DEMO_PASSWORD)' 2>/dev/null \
		&& echo "Demo loaded: every demo account has password '$(DEMO_PASSWORD)'" \
		|| echo "Database already filled; keeping it (make demo rebuilds it)."
	SECRET_KEY=$$(cat instance/secret_key) $(CHECKPOINTS) $(FLASK) audit checkpoint
	SECRET_KEY=$$(cat instance/secret_key) $(CHECKPOINTS) SESSION_COOKIE_SECURE=0 $(FLASK) run --host 127.0.0.1 --port $(PORT)

# A new database starts new logs: the checkpoints of the old one are set aside.
demo: install instance/secret_key instance/checkpoint_key
	SECRET_KEY=$$(cat instance/secret_key) $(FLASK) db upgrade
	SECRET_KEY=$$(cat instance/secret_key) $(FLASK) demo --reset --password '$(DEMO_PASSWORD)'
	if [ -f instance/checkpoints.jsonl ]; then mv instance/checkpoints.jsonl instance/checkpoints-$$(date +%Y%m%d%H%M%S).jsonl; fi
	SECRET_KEY=$$(cat instance/secret_key) $(CHECKPOINTS) $(FLASK) audit checkpoint

# The whole test suite (SQLite; set TEST_DATABASE_URL=postgresql+psycopg://… for PostgreSQL).
# PYTEST_ARGS passes options on, e.g. PYTEST_ARGS="-m 'not fuzz and not browser'".
PYTEST_ARGS ?=
test: install
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .

translations: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o app/translations/messages.pot --no-location --sort-output --omit-header app
	$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations -N --omit-header
	# Compile even when a string still lacks Dutch (it shows in English); the exit status says so.
	$(BIN)/python tools/translate.py; status=$$?; \
		$(BIN)/pybabel compile -d app/translations && exit $$status

# Benchmarks: one table (figure | measured | goal | holds?), also in bench/results/latest.json.
# Faster: `.venv/bin/python -m bench --quick`; one database: `--db sqlite`; see bench/__init__.py.
bench: install
	$(BIN)/python -m bench

# Load and faults: gunicorn (4 workers) on a PostgreSQL cluster of its own (Debian's
# pg_createcluster, never the server on 5432), the four roles at work for 60 s, a worker
# killed and PostgreSQL restarted meanwhile; then every acknowledged request is checked against
# the database and the audit log. Report on stdout, bench/results/load.json; see bench/load.py.
LOADTEST_ARGS ?= --faults
loadtest: install
	$(BIN)/python -m bench.load $(LOADTEST_ARGS)

# Mutation testing of the rules: mutmut over policies/ and workflows/ against their fast tests
# ([tool.mutmut] in pyproject.toml), in a copy under build/mutation so the work tree stays as
# it is; one mutant at a time, within MUTATION_TIMEOUT seconds. Fails below MUTATION_MIN_SCORE
# per cent of mutants detected; the score and every surviving mutant with its diff go to
# bench/results/mutation.txt.
MUTATION_DIR := build/mutation
MUTATION_MIN_SCORE ?= 90
MUTATION_TIMEOUT ?= 2400
mutation: install
	rm -rf $(MUTATION_DIR) && mkdir -p $(MUTATION_DIR)
	cp -r app policies workflows tests pyproject.toml $(MUTATION_DIR)/
	cd $(MUTATION_DIR) && timeout $(MUTATION_TIMEOUT) $(abspath $(BIN))/mutmut run \
		--max-children 1 > mutmut.log 2>&1 || { tail -c 4000 mutmut.log; exit 1; }
	$(BIN)/python -m bench.mutation $(MUTATION_DIR) --min-score $(MUTATION_MIN_SCORE)

clean:
	rm -rf $(VENV) instance .pytest_cache build/mutation
