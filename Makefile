# The two commands of the README: `make run` and `make test`. Both set everything up from scratch.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
FLASK  := $(BIN)/flask --app conciergerie

.PHONY: run test setup browser translations messages lint clean

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

# One scheduler process beside the web server (stopped with it).
run: setup
	$(FLASK) db upgrade
	$(FLASK) demo-data
	$(FLASK) generate-slots
	$(FLASK) plan-rounds
	export PUBLIC_URL=$${PUBLIC_URL:-http://127.0.0.1:$(PORT)}; \
	$(FLASK) scheduler & scheduler=$$!; \
	trap 'kill $$scheduler 2>/dev/null' EXIT INT TERM; \
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

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
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o conciergerie/translations/messages.pot .
	$(BIN)/pybabel update -i conciergerie/translations/messages.pot -d conciergerie/translations

lint: $(VENV)/.installed
	$(BIN)/ruff check conciergerie tests bench
	$(BIN)/ruff format --check conciergerie tests bench

clean:
	rm -rf $(VENV) instance .pytest_cache
