#!/bin/sh
# Container entrypoint: wait for the database, then (web only) migrate and collect static
# files, then run the container's command. Workers and beat set MIGRATE=0: they wait for the
# database too, but only the web container changes the schema.
set -eu

# `check --database default` validates settings and runs the database checks; on PostgreSQL
# those need no connection, so a real connection attempt follows. Bounded: 30 tries, 2 s apart.
db_ready() {
  python manage.py check --database default >/dev/null 2>&1 &&
    python manage.py shell -c "from django.db import connection; connection.ensure_connection()" >/dev/null 2>&1
}

tries=0
until db_ready; do
  tries=$((tries + 1))
  if [ "$tries" -ge 30 ]; then
    echo "entrypoint: the database is still unreachable after $tries tries; giving up." >&2
    # Run both once more with their output shown, so the log says why.
    python manage.py check --database default
    python manage.py shell -c "from django.db import connection; connection.ensure_connection()"
    exit 1
  fi
  echo "entrypoint: waiting for the database ($tries/30)..." >&2
  sleep 2
done

if [ "${MIGRATE:-1}" = "1" ]; then
  python manage.py migrate --noinput
  python manage.py collectstatic --noinput --verbosity 0
fi

exec "$@"
