# Pipeline CRM. `make run` serves the CRM on http://127.0.0.1:8000; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LANGS := sv nb pl de

.PHONY: run test install messages compilemessages lint bench load clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

compilemessages: $(STAMP)
	@if [ -d locale ]; then $(BIN)/python manage.py compilemessages --ignore '.venv' --verbosity 0; fi

run: export DJANGO_HTTPS = 0
run: export DJANGO_DEBUG ?= 0
run: $(STAMP) compilemessages
	@test -f .secret_key || $(BIN)/python -c "import secrets; print(secrets.token_urlsafe(50))" > .secret_key
	$(BIN)/python manage.py migrate --no-input --verbosity 0
	@test -f .demo-loaded || ($(BIN)/python manage.py seed_demo && touch .demo-loaded)
	$(BIN)/python manage.py collectstatic --no-input --verbosity 0
	@echo ""
	@echo "  Pipeline CRM on http://127.0.0.1:8000"
	@echo "  Demo logins (password: pipeline-demo):"
	@echo "    anna, erik, ingrid  salespeople"
	@echo "    magnus              sales manager"
	@echo "    admin               administrator"
	@echo ""
	@# The background-job worker runs beside gunicorn and stops with it.
	export DJANGO_SECRET_KEY="$$(cat .secret_key)"; \
	$(BIN)/python manage.py worker --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/gunicorn -c gunicorn.conf.py pipeline_crm.wsgi

test: $(STAMP) compilemessages
	$(BIN)/python -m pytest

messages: $(STAMP)
	$(BIN)/python manage.py makemessages --ignore '.venv/*' --ignore 'staticfiles/*' --ignore 'tests/*' --no-obsolete $(addprefix -l ,$(LANGS))

# The load benchmark (README "Load"): 30 Locust users against gunicorn on 20,000 deals.
load: $(STAMP) compilemessages
	bash bench/load.sh

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) staticfiles
