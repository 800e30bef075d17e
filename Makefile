# Catalog Sync: the two commands are `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: fuzz run test test-php test-wordpress wp-acceptance plugin-zip lint format bench bench-peers install install-dev check-schema check-deploy clean messages compilemessages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

## make run: the whole app on SQLite with a real Celery worker and beat, no services needed.
run: install
	$(BIN)/python scripts/run_demo.py

## make test: the suite; SQLite and an in-memory broker unless DATABASE_URL / CELERY_BROKER_URL are set.
test: install-dev
	$(BIN)/python -m pytest

## make test-php: the WordPress plugin: `php -l` on every PHP file, no syntax newer than the
## plugin's "Requires PHP" (php-parser from npm, pinned by tests/php/compat/package-lock.json),
## then its PHPUnit tests (Debian's php-cli, phpunit, nodejs and npm; `make test` needs none).
PHP_SOURCES = $(shell find wordpress-plugin tests/php tests/wordpress -name node_modules -prune -o -name '*.php' -print)
PHP_COMPAT = tests/php/compat
$(PHP_COMPAT)/node_modules/.installed: $(PHP_COMPAT)/package.json $(PHP_COMPAT)/package-lock.json
	npm ci --prefix $(PHP_COMPAT) --no-audit --no-fund --loglevel=error
	touch $@
test-php: $(PHP_COMPAT)/node_modules/.installed
	@for f in $(PHP_SOURCES); do php -l "$$f" >/dev/null || exit 1; done
	@echo "php -l: $(words $(PHP_SOURCES)) files OK"
	cd $(PHP_COMPAT) && node --test check.test.js
	node $(PHP_COMPAT)/check.js wordpress-plugin/catalog-sync-woocommerce
	phpunit -c tests/php/phpunit.xml

## make test-wordpress: the plugin in a real WordPress (Debian's wordpress, MariaDB, PHP) against
## the live app, a real worker and the Meta simulator. Needs root (apt-get, MariaDB); CI runs it.
test-wordpress: install-dev
	bash tests/wordpress/setup.sh
	WP_E2E_URL=http://127.0.0.1:$${WP_PORT:-8091} $(BIN)/python -m pytest tests/wordpress -q -p no:logging

## make wp-acceptance: issue 14's acceptance run, outside CI: the app down for WP_ACCEPTANCE_MINUTES
## (10) during 200 saves with the plugin's real retry schedule; prints the figures.
wp-acceptance: install-dev
	bash tests/wordpress/setup.sh
	WP_E2E_URL=http://127.0.0.1:$${WP_PORT:-8091} WP_ACCEPTANCE_MINUTES=$${WP_ACCEPTANCE_MINUTES:-10} \
		$(BIN)/python -m pytest tests/wordpress -q -p no:logging -s -k acceptance

## make plugin-zip: var/catalog-sync-woocommerce.zip, ready for Plugins > Add New > Upload.
plugin-zip:
	mkdir -p var
	rm -f var/catalog-sync-woocommerce.zip
	cd wordpress-plugin && python3 -m zipfile -c ../var/catalog-sync-woocommerce.zip catalog-sync-woocommerce

## make fuzz: the catalog state machine (tests/invariants) in rounds with new seeds for
## FUZZ_MINUTES (default 30) on the configured database; prints how many sequences and steps ran.
FUZZ_MINUTES ?= 30
fuzz: install-dev
	$(BIN)/python scripts/fuzz_catalog.py --minutes $(FUZZ_MINUTES)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## make bench: every benchmark (PostgreSQL and redis-server for the webhook load test, which
## drives gunicorn with Debian's wrk; installed here when missing and apt-get is available).
## Exits non-zero when a benchmark finds the work was not all done.
bench: install-dev
	@command -v wrk >/dev/null 2>&1 || (command -v apt-get >/dev/null 2>&1 && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null) || \
		echo "wrk is not installed: the webhook load test will fail its checks."
	$(BIN)/python -m bench

## make bench-peers: the Airbyte WooCommerce source (own virtualenv under var/, from PyPI) and
## our pull against one 10,000-product simulator catalog over TLS; then the Airbyte Shopify
## source's check and products read. Slow (minutes); not part of `make bench`.
bench-peers: install-dev
	$(BIN)/python -m bench.peers

check-schema: install-dev
	DEBUG=1 $(BIN)/python manage.py spectacular --validate --fail-on-warn --file /dev/null

## Production-like settings must pass Django's deployment checklist.
check-deploy: install
	DEBUG=0 SECRET_KEY=check-deploy-$$(date +%s)-a-long-random-looking-secret-value-0123456789 \
	FIELD_ENCRYPTION_KEY=$$($(BIN)/python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())") \
	ALLOWED_HOSTS=catalog.example.com $(BIN)/python manage.py check --deploy --fail-level WARNING

clean:
	rm -rf var/demo* var/broker var/test.sqlite3 .pytest_cache .ruff_cache

## make messages: collect the project's translatable strings into locale/fa/LC_MESSAGES/django.po.
## make compilemessages: rebuild django.mo from it (needs gettext's msgfmt). Commit both files:
## the compiled catalogue is in git, so a fresh clone needs no gettext.
messages: install
	DEBUG=1 $(BIN)/python manage.py makemessages -l fa --no-location \
		--ignore=.venv --ignore=var --ignore=wordpress-plugin --ignore=simulators --ignore=tests --ignore=bench

compilemessages: install
	DEBUG=1 $(BIN)/python manage.py compilemessages -l fa --ignore=.venv
