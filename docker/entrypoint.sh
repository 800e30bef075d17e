#!/bin/sh
# Web entrypoint: wait for the database, migrate, collect static files, then run the command.
# Workers and beat run with MIGRATE=0 so only the web container migrates.
set -eu

tries=0
until python manage.py check --database default >/dev/null 2>&1; do
  tries=$((tries + 1))
  if [ "$tries" -ge 30 ]; then
    echo "The database is still unreachable after 60 s; giving up." >&2
    python manage.py check --database default
    exit 1
  fi
  sleep 2
done

if [ "${MIGRATE:-1}" = "1" ]; then
  python manage.py migrate --noinput
  python manage.py collectstatic --noinput --verbosity 0
fi

exec "$@"
