<?php
/**
 * Small pure helpers: the product payload, token masking, WooCommerce detection.
 *
 * @package CatalogSync
 */

defined( 'ABSPATH' ) || exit;

/**
 * Whether WooCommerce is loaded; checked at run time so a later deactivation is noticed.
 */
function catalog_sync_woocommerce_active(): bool {
	return class_exists( 'WooCommerce' );
}

/**
 * Builds the "product" object of a webhook event from a WooCommerce product.
 *
 * Prices stay strings in the store's format so no rounding happens on the way; categories and
 * tags are sent as names because that is what the catalog shows.
 *
 * @param WC_Product $product The product that changed.
 * @return array<string, mixed>
 */
function catalog_sync_build_product_payload( $product ): array {
	$id         = (int) $product->get_id();
	$image_urls = catalog_sync_image_urls( $product );

	return array(
		'id'                    => $id,
		'sku'                   => (string) $product->get_sku(),
		'name'                  => (string) $product->get_name(),
		'short_description'     => (string) $product->get_short_description(),
		'description'           => (string) $product->get_description(),
		'price'                 => catalog_sync_product_price( $product ),
		'sale_price'            => (string) $product->get_sale_price(),
		'currency'              => (string) get_woocommerce_currency(),
		'stock_quantity'        => $product->managing_stock() ? (int) $product->get_stock_quantity() : null,
		'stock_status'          => (string) $product->get_stock_status(),
		'status'                => (string) $product->get_status(),
		'categories'            => catalog_sync_term_names( $id, 'product_cat' ),
		'tags'                  => catalog_sync_term_names( $id, 'product_tag' ),
		'image'                 => $image_urls ? $image_urls[0] : null,
		'images'                => $image_urls,
		'permalink'             => (string) $product->get_permalink(),
		'date_modified_gmt'     => catalog_sync_utc_iso( $product->get_date_modified() ),
		'date_on_sale_from_gmt' => catalog_sync_gmt_stamp( $product->get_date_on_sale_from() ),
		'date_on_sale_to_gmt'   => catalog_sync_gmt_stamp( $product->get_date_on_sale_to() ),
	);
}

/**
 * The product if it still exists and is worth sending: auto-drafts are empty shells, a trashed
 * product is sent as deleted, and the server refuses a product without a name.
 *
 * @param int $product_id Product id.
 * @return WC_Product|null
 */
function catalog_sync_sendable_product( int $product_id ) {
	$product = wc_get_product( $product_id );
	if ( ! $product || in_array( $product->get_status(), array( 'auto-draft', 'trash' ), true ) ) {
		return null;
	}
	return '' === trim( (string) $product->get_name() ) ? null : $product;
}

/**
 * A sale window's edge as WooCommerce names it (`*_gmt`: UTC without an offset,
 * "2026-12-01T00:00:00"), or null when the window is open on that side.
 *
 * @param DateTimeInterface|null $date A WC_DateTime or null.
 */
function catalog_sync_gmt_stamp( $date ): ?string {
	if ( ! $date instanceof DateTimeInterface ) {
		return null;
	}
	return gmdate( 'Y-m-d\TH:i:s', $date->getTimestamp() );
}

/**
 * The regular price; a variable product without one takes its cheapest variation's.
 *
 * @param WC_Product $product The product.
 */
function catalog_sync_product_price( $product ): string {
	$price = (string) $product->get_regular_price();
	if ( '' === $price ) {
		$price = (string) $product->get_price();
	}
	if ( '' === $price && $product->is_type( 'variable' ) ) {
		$price = (string) $product->get_variation_regular_price( 'min' );
	}
	return $price;
}

/**
 * Names of a product's terms in one taxonomy, in WordPress's order.
 *
 * @param int    $product_id Product (post) id.
 * @param string $taxonomy   product_cat or product_tag.
 * @return string[]
 */
function catalog_sync_term_names( int $product_id, string $taxonomy ): array {
	$names = wp_get_post_terms( $product_id, $taxonomy, array( 'fields' => 'names' ) );
	if ( is_wp_error( $names ) || ! is_array( $names ) ) {
		return array();
	}
	return array_values( array_map( 'strval', $names ) );
}

/**
 * URLs of the main image then the gallery, without gaps or repeats.
 *
 * @param WC_Product $product The product.
 * @return string[]
 */
function catalog_sync_image_urls( $product ): array {
	$ids  = array_merge( array( (int) $product->get_image_id() ), array_map( 'intval', $product->get_gallery_image_ids() ) );
	$urls = array();
	foreach ( $ids as $attachment_id ) {
		$url = $attachment_id > 0 ? wp_get_attachment_url( $attachment_id ) : false;
		if ( is_string( $url ) && '' !== $url && ! in_array( $url, $urls, true ) ) {
			$urls[] = $url;
		}
	}
	return $urls;
}

/**
 * ISO-8601 UTC ("2025-11-10T08:30:00Z") for a date, or null without one.
 *
 * @param DateTimeInterface|null $date A WC_DateTime or any date.
 */
function catalog_sync_utc_iso( $date ): ?string {
	if ( ! $date instanceof DateTimeInterface ) {
		return null;
	}
	return gmdate( 'Y-m-d\TH:i:s\Z', $date->getTimestamp() );
}

/**
 * Shows a token's kind and last four characters only, never the secret itself.
 *
 * @param string $token A saved token, or "".
 */
function catalog_sync_mask_token( string $token ): string {
	if ( '' === $token ) {
		return '';
	}
	$prefix = preg_match( '/^wc_sk_(live|test)_/', $token, $match ) ? $match[0] : '';
	return $prefix . str_repeat( '*', 8 ) . substr( $token, -4 );
}
