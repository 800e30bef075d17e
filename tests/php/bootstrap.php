<?php
/**
 * Loads the WordPress stand-ins, then the plugin exactly as WordPress would.
 *
 * @package CatalogSync\Tests
 */

require_once __DIR__ . '/stubs/wordpress.php';
require_once __DIR__ . '/stubs/wc-product.php';
require_once __DIR__ . '/CS_TestCase.php';
require_once dirname( __DIR__, 2 ) . '/wordpress-plugin/catalog-sync-woocommerce/catalog-sync-woocommerce.php';

// What merely loading the plugin registered, before any test resets the state.
$GLOBALS['cs_hooks_after_load'] = CS_WP::hook_names();
