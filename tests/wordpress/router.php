<?php
/**
 * Router for PHP's built-in server: real files as they are, everything else to WordPress.
 *
 * @package CatalogSync\Tests
 */

$cs_path = (string) parse_url( $_SERVER['REQUEST_URI'], PHP_URL_PATH );
$cs_file = $_SERVER['DOCUMENT_ROOT'] . $cs_path;
if ( is_file( $cs_file ) || is_file( rtrim( $cs_file, '/' ) . '/index.php' ) ) {
	return false;
}
chdir( $_SERVER['DOCUMENT_ROOT'] );
require $_SERVER['DOCUMENT_ROOT'] . '/index.php';
