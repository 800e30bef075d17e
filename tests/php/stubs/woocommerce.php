<?php
/**
 * Loaded only by tests that want WooCommerce active: class_exists( 'WooCommerce' ) turns true.
 *
 * @package CatalogSync\Tests
 */

class WooCommerce {
}
