<?php
/**
 * Base test case: fresh fake WordPress state and a configured plugin.
 *
 * @package CatalogSync\Tests
 */

use PHPUnit\Framework\TestCase;

abstract class CS_TestCase extends TestCase {
	const API_URL = 'https://catalog.example.com';
	const TOKEN   = 'wc_sk_live_a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8s9t0';

	protected function setUp(): void {
		CS_WP::reset();
	}

	protected function configure(): void {
		CS_WP::$options[ CATALOG_SYNC_OPTION_API_URL ] = self::API_URL;
		CS_WP::$options[ CATALOG_SYNC_OPTION_TOKEN ]   = self::TOKEN;
		CS_WP::$options[ CATALOG_SYNC_OPTION_TOKEN_URL ] = self::API_URL;
	}

	/**
	 * Registers a published product (post type "product") and returns it.
	 *
	 * @param array<string,mixed> $props WC_Product properties.
	 */
	protected function product( array $props ): WC_Product {
		$product = new WC_Product( $props );
		CS_WP::$products[ $props['id'] ]   = $product;
		CS_WP::$post_types[ $props['id'] ] = 'product';
		return $product;
	}
}
