# Two commands set up everything: `make run` and `make test`.
VENV := .venv
PYTHON := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi
PORT ?= 8000
CATALOG := service/translations/fr/LC_MESSAGES/messages

.PHONY: setup setup-dev run test typecheck bench moderator clean

$(VENV)/installed: requirements.txt
	test -x $(PYTHON) || python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/installed-dev: requirements-dev.txt requirements.txt $(VENV)/installed
	$(PYTHON) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

$(CATALOG).mo: $(CATALOG).po $(VENV)/installed
	$(VENV)/bin/pybabel compile --statistics -d service/translations

setup: $(VENV)/installed $(CATALOG).mo

setup-dev: setup $(VENV)/installed-dev

run: setup
	$(FLASK) db upgrade
	$(FLASK) worker & trap 'kill $$! 2>/dev/null' EXIT; \
	$(VENV)/bin/gunicorn --bind 127.0.0.1:$(PORT) --workers 2 --no-control-socket --limit-request-line 0 \
		--limit-request-field_size 16384 --access-logfile - \
		--access-logformat '{"method": "%(m)s", "path": "%(U)s", "status": %(s)s, "seconds": %(L)s}' \
		wsgi:app

test: setup-dev typecheck
	@test -x "$${CHROMIUM:-/usr/bin/chromium}" || echo "make test: browser tests skipped, no Chromium at $${CHROMIUM:-/usr/bin/chromium} (apt-get install chromium, or set CHROMIUM)."
	$(PYTHON) -m pytest -n 2 -q tests

typecheck: setup-dev
	$(VENV)/bin/mypy --strict service

# make moderator NAME=julie [ROLE=admin]: creates a moderator and prints the token once.
moderator: setup
	$(FLASK) db upgrade
	$(FLASK) moderators create "$(NAME)" --role "$(or $(ROLE),moderator)"

bench: setup-dev
	$(PYTHON) bench/run.py

clean:
	rm -rf $(VENV) $(CATALOG).mo
