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

	/**
	 * Answers each batch posted from now on with 200 and a result per event: accepted, or
	 * refused for the product ids in $refuse.
	 *
	 * @param int[] $refuse Product ids whose events are refused.
	 */
	protected function answer_posted_batch( array $refuse = array() ): void {
		CS_WP::$during_post = static function ( string $url, array $args ) use ( $refuse ): void {
			if ( ! is_string( $args['body'] ?? null ) ) {
				return; // not a batch (the loopback kick posts a form)
			}
			$results = array();
			foreach ( json_decode( $args['body'], true )['events'] as $event ) {
				$refused   = in_array( $event['product']['id'], $refuse, true );
				$results[] = array_filter(
					array(
						'event_id' => $event['event_id'],
						'status'   => $refused ? 'refused' : 'accepted',
						'errors'   => $refused ? array( 'price' => array( 'Enter a price.' ) ) : null,
					)
				);
			}
			CS_WP::$post_responses = array(
				array(
					'response' => array( 'code' => 200 ),
					'body'     => json_encode( array( 'results' => $results ) ),
				),
			);
		};
	}
}
