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

# The web server's settings (worker type, limits, timeouts) are in gunicorn.conf.py,
# shared with the Docker image.
run: setup
	$(FLASK) db upgrade
	@echo "Causerie: http://127.0.0.1:$(PORT) (and the notification worker beside it)"
	$(FLASK) worker & trap 'kill $$! 2>/dev/null' EXIT; \
	PORT=$(PORT) $(VENV)/bin/gunicorn wsgi:app

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
