#!/usr/bin/env bash
# A real WordPress for the plugin's end-to-end test: Debian's `wordpress` package on PHP's
# built-in server (8 workers), MariaDB, the plugin and the WooCommerce stand-in as a must-use
# plugin. Idempotent; run as root on a fresh Debian (CI) or again on a machine that has it.
#
#   tests/wordpress/setup.sh            install, configure and (re)start on WP_PORT (8091)
#   tests/wordpress/setup.sh stop       stop the PHP server
#
# The site lives in var/wp-e2e/ (wp-content, logs); its database is `cs_wp_e2e`.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT="$(pwd)"
PORT="${WP_PORT:-8091}"
SITE="$ROOT/var/wp-e2e"
DB="${WP_DB_NAME:-cs_wp_e2e}"
PIDFILE="$SITE/php-server.pid"

stop_server() {
  if [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
    kill "$(cat "$PIDFILE")" && sleep 0.5
  fi
  rm -f "$PIDFILE"
  # Its worker processes, and a server another checkout started on this port (its pidfile lives
  # in that checkout's var/, and its router may be gone with it, so every request would get 500).
  if pkill -f -- "-S 127.0.0.1:$PORT .*tests/wordpress/router.php"; then sleep 0.5; fi
}
if [ "${1:-}" = "stop" ]; then stop_server; exit 0; fi

need=()
[ -f /usr/share/wordpress/wp-settings.php ] || need+=(wordpress)
command -v php >/dev/null 2>&1 || need+=(php-cli)
command -v curl >/dev/null 2>&1 || need+=(curl)
php -m 2>/dev/null | grep -qi '^mysqli$' || need+=(php-mysql)
php -m 2>/dev/null | grep -qi '^curl$' || need+=(php-curl)
command -v mariadbd >/dev/null 2>&1 || command -v mysqld >/dev/null 2>&1 || need+=(mariadb-server)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# MariaDB: start it when nothing answers (CI has no init system).
if ! mysqladmin ping --silent 2>/dev/null; then
  install -d -o mysql -g mysql /run/mysqld
  [ -d /var/lib/mysql/mysql ] || mariadb-install-db --user=mysql --datadir=/var/lib/mysql >/dev/null
  (mysqld_safe --user=mysql >/dev/null 2>&1 &)
  for _ in $(seq 1 30); do mysqladmin ping --silent 2>/dev/null && break; sleep 1; done
  mysqladmin ping --silent || { echo "MariaDB did not start" >&2; exit 1; }
fi
mysql -uroot <<SQL
CREATE DATABASE IF NOT EXISTS \`$DB\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS 'cs_wp'@'localhost' IDENTIFIED BY 'cs_wp';
CREATE USER IF NOT EXISTS 'cs_wp'@'127.0.0.1' IDENTIFIED BY 'cs_wp';
GRANT ALL ON \`$DB\`.* TO 'cs_wp'@'localhost';
GRANT ALL ON \`$DB\`.* TO 'cs_wp'@'127.0.0.1';
SQL

# wp-content of our own: the plugin (a symlink to the source) and the must-use stand-in.
mkdir -p "$SITE/wp-content/plugins" "$SITE/wp-content/mu-plugins" "$SITE/wp-content/uploads"
ln -sfn "$ROOT/wordpress-plugin/catalog-sync-woocommerce" "$SITE/wp-content/plugins/catalog-sync-woocommerce"
cp "$ROOT"/tests/wordpress/mu-plugins/*.php "$SITE/wp-content/mu-plugins/"
[ -e "$SITE/wp-content/themes" ] || ln -s /usr/share/wordpress/wp-content/themes "$SITE/wp-content/themes"
: > "$SITE/debug.log"

# Debian's wp-config.php reads /etc/wordpress/config-<host>.php; the site is 127.0.0.1:PORT.
cat > /etc/wordpress/config-127.0.0.1.php <<PHP
<?php
define( 'DB_NAME', '$DB' );
define( 'DB_USER', 'cs_wp' );
define( 'DB_PASSWORD', 'cs_wp' );
define( 'DB_HOST', '127.0.0.1' );
define( 'DB_CHARSET', 'utf8mb4' );
define( 'WP_HOME', 'http://127.0.0.1:$PORT' );
define( 'WP_SITEURL', 'http://127.0.0.1:$PORT' );
define( 'WP_CONTENT_DIR', '$SITE/wp-content' );
define( 'WP_CONTENT_URL', 'http://127.0.0.1:$PORT/wp-content' );
define( 'WP_DEBUG', true );
define( 'WP_DEBUG_LOG', '$SITE/debug.log' );
define( 'WP_DEBUG_DISPLAY', false );
define( 'AUTH_KEY', 'cs-e2e-auth' );
define( 'SECURE_AUTH_KEY', 'cs-e2e-secure-auth' );
define( 'LOGGED_IN_KEY', 'cs-e2e-logged-in' );
define( 'NONCE_KEY', 'cs-e2e-nonce' );
define( 'AUTH_SALT', 'cs-e2e-auth-salt' );
define( 'SECURE_AUTH_SALT', 'cs-e2e-secure-auth-salt' );
define( 'LOGGED_IN_SALT', 'cs-e2e-logged-in-salt' );
define( 'NONCE_SALT', 'cs-e2e-nonce-salt' );
\$table_prefix = 'wp_';
PHP

# Install the site (once) and start from a clean plugin state every time.
HTTP_HOST="127.0.0.1:$PORT" php "$ROOT/tests/wordpress/install.php"

stop_server
PHP_CLI_SERVER_WORKERS=8 nohup php -d variables_order=EGPCS -S "127.0.0.1:$PORT" -t /usr/share/wordpress \
  "$ROOT/tests/wordpress/router.php" >"$SITE/server.log" 2>&1 &
echo $! > "$PIDFILE"
for _ in $(seq 1 30); do
  curl -fsS -o /dev/null "http://127.0.0.1:$PORT/wp-login.php" && break
  sleep 0.5
done
kill -0 "$(cat "$PIDFILE")" 2>/dev/null || {
  echo "The PHP server did not start on 127.0.0.1:$PORT (is another program using it?): $SITE/server.log" >&2
  exit 1
}
curl -fsS -o /dev/null "http://127.0.0.1:$PORT/wp-login.php"
echo "WordPress is up on http://127.0.0.1:$PORT (admin / admin)"
