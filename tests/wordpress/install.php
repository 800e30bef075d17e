<?php
/**
 * Installs the e2e site once (admin / admin, plain permalinks). Run by setup.sh with HTTP_HOST.
 *
 * @package CatalogSync\Tests
 */

define( 'WP_INSTALLING', true );
$_SERVER['SERVER_NAME'] = '127.0.0.1';
$_SERVER['REQUEST_URI'] = '/';
require '/usr/share/wordpress/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
if ( ! is_blog_installed() ) {
	wp_install( 'Catalog Sync e2e shop', 'admin', 'admin@example.com', false, '', 'admin' );
}
wp_set_password( 'admin', 1 );
update_option( 'permalink_structure', '' );
echo "WordPress installed\n";
