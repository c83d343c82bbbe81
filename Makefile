# The two commands of the README: `make run` and `make test`. Both set everything up from scratch.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
FLASK  := $(BIN)/flask --app conciergerie

.PHONY: run serve test setup browser translations messages lint clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

# Reinstalled when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

translations: $(VENV)/.installed
	$(BIN)/pybabel compile --use-fuzzy -d conciergerie/translations -f

setup: $(VENV)/.installed translations

# Every command of the run writes the links of its mails on the address it serves (PUBLIC_URL,
# unless set already): the demo data's, the rounds planned, the scheduler's. `demo-data` also
# generates the desk slots of the coming weeks. One scheduler process beside the web server
# (stopped with it).
run: export PUBLIC_URL ?= http://127.0.0.1:$(PORT)
run: setup
	$(FLASK) db upgrade
	$(FLASK) demo-data
	$(FLASK) plan-rounds
	$(FLASK) scheduler & scheduler=$$!; \
	trap 'kill $$scheduler 2>/dev/null' EXIT INT TERM; \
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

# The production setup, locally: gunicorn on PostgreSQL, migrations first, the scheduler in its own
# process. Every setting comes from the environment (docs/production.md); the defaults below
# only make a local trial possible (a local PostgreSQL and Redis, no real mail server).
SERVE_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/conciergerie
serve: setup
	@mkdir -p instance && [ -s instance/secret_key ] || $(BIN)/python -c \
	  "import secrets; print(secrets.token_urlsafe(48))" > instance/secret_key
	export CONCIERGERIE_CONFIG=production \
	  DATABASE_URL=$${DATABASE_URL:-$(SERVE_DATABASE_URL)} \
	  SECRET_KEY=$${SECRET_KEY:-$$(cat instance/secret_key)} \
	  PUBLIC_URL=$${PUBLIC_URL:-https://127.0.0.1:$(PORT)} \
	  TRUSTED_HOSTS=$${TRUSTED_HOSTS:-127.0.0.1,localhost} \
	  MAIL_SERVER=$${MAIL_SERVER:-127.0.0.1} \
	  WEB_CONCURRENCY=$${WEB_CONCURRENCY:-2} \
	  RATELIMIT_STORAGE_URI=$${RATELIMIT_STORAGE_URI:-redis://127.0.0.1:6379}; \
	$(FLASK) ensure-database && $(FLASK) db upgrade && \
	{ [ -z "$(DEMO)" ] || $(FLASK) demo-data --force; } && \
	{ $(FLASK) scheduler & scheduler=$$!; \
	  trap 'kill $$scheduler 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/gunicorn --bind 127.0.0.1:$(PORT) --worker-class gthread --threads 8 \
	    --forwarded-allow-ips 127.0.0.1 wsgi:app; }

# The browser tests drive Debian's Chromium at /usr/bin/chromium (Playwright cannot download one
# here). When it cannot be installed, the other tests still run and the browser tests fail saying so.
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo -n)
APT  := $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get
browser:
	@[ -x /usr/bin/chromium ] || { \
	  echo "== installing Debian's chromium for the browser tests"; \
	  $(APT) install -y --no-install-recommends chromium \
	  || { $(APT) update && $(APT) install -y --no-install-recommends chromium; } \
	  || echo "!! chromium could not be installed: the browser tests will fail"; }

test: setup browser
	$(BIN)/pytest $(PYTEST_ARGS)

# Re-extract the strings to translate after changing templates or code.
messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 -k lazy_pgettext:1c,2 -o conciergerie/translations/messages.pot .
	$(BIN)/pybabel update -i conciergerie/translations/messages.pot -d conciergerie/translations

lint: $(VENV)/.installed
	$(BIN)/ruff check conciergerie tests bench
	$(BIN)/ruff format --check conciergerie tests bench

clean:
	rm -rf $(VENV) instance .pytest_cache
