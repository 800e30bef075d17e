<?php
/**
 * Turns WooCommerce product changes into Catalog Sync events.
 *
 * @package CatalogSync
 */

defined( 'ABSPATH' ) || exit;

/**
 * Listens to product saves, stock changes, trash, untrash and delete.
 *
 * Saves are collected during the request and sent once at shutdown with the product's final
 * state (one admin save fires several hooks). Each product is then sent at most once per
 * debounce window; a change inside the window is not lost: it schedules one trailing send at
 * the window's end. Deletes are sent at once and are never debounced.
 */
final class Catalog_Sync_Hooks {

	/** WP-Cron hook of the trailing send for a debounced product. */
	const FLUSH_HOOK = 'catalog_sync_flush_product';

	/** Prefix of the per-product debounce transient; its value is when the last event went out. */
	const DEBOUNCE_PREFIX = 'catalog_sync_debounce_';

	/** @var Catalog_Sync_Api */
	private $api;

	/** @var array<int,string> Product id => event type, waiting for shutdown. */
	private $pending = array();

	/**
	 * @param Catalog_Sync_Api $api Client for the configured server.
	 */
	public function __construct( Catalog_Sync_Api $api ) {
		$this->api = $api;
	}

	/**
	 * Registers the product hooks; called only when the plugin is configured.
	 */
	public function register(): void {
		add_action( 'woocommerce_new_product', array( $this, 'on_new_product' ), 10, 1 );
		add_action( 'woocommerce_update_product', array( $this, 'on_update_product' ), 10, 1 );
		add_action( 'woocommerce_product_set_stock', array( $this, 'on_stock_change' ), 10, 1 );
		add_action( 'woocommerce_variation_set_stock', array( $this, 'on_stock_change' ), 10, 1 );
		add_action( 'wp_trash_post', array( $this, 'on_trash_or_delete' ), 10, 1 );
		add_action( 'before_delete_post', array( $this, 'on_trash_or_delete' ), 10, 1 );
		add_action( 'untrashed_post', array( $this, 'on_untrash' ), 10, 1 );
		add_action( self::FLUSH_HOOK, array( $this, 'flush_product' ), 10, 1 );
	}

	/**
	 * @param int $product_id Id of the product WooCommerce just created.
	 */
	public function on_new_product( $product_id ): void {
		$this->queue( (int) $product_id, 'product.created' );
	}

	/**
	 * @param int $product_id Id of the product WooCommerce just saved.
	 */
	public function on_update_product( $product_id ): void {
		$this->queue( (int) $product_id, 'product.updated' );
	}

	/**
	 * A variation's stock is reported as a change of its parent product.
	 *
	 * @param WC_Product $product Product or variation whose stock was set.
	 */
	public function on_stock_change( $product ): void {
		$parent_id = (int) $product->get_parent_id();
		$this->queue( $parent_id > 0 ? $parent_id : (int) $product->get_id(), 'product.updated' );
	}

	/**
	 * Trashing and deleting both remove the product from the catalog, at once.
	 *
	 * @param int $post_id Post being trashed or deleted.
	 */
	public function on_trash_or_delete( $post_id ): void {
		$post_id = (int) $post_id;
		if ( 'product' !== get_post_type( $post_id ) ) {
			return;
		}
		unset( $this->pending[ $post_id ] );
		delete_transient( self::DEBOUNCE_PREFIX . $post_id );
		wp_clear_scheduled_hook( self::FLUSH_HOOK, array( $post_id ) );
		$this->api->send_event( 'product.deleted', array( 'id' => $post_id ) );
	}

	/**
	 * A restored product is sent again even inside a debounce window.
	 *
	 * @param int $post_id Post that left the trash.
	 */
	public function on_untrash( $post_id ): void {
		$post_id = (int) $post_id;
		if ( 'product' !== get_post_type( $post_id ) ) {
			return;
		}
		delete_transient( self::DEBOUNCE_PREFIX . $post_id );
		$this->queue( $post_id, 'product.updated' );
	}

	/**
	 * Sends what the request changed; hooked on shutdown by the first change.
	 */
	public function send_pending(): void {
		$pending       = $this->pending;
		$this->pending = array();
		foreach ( $pending as $product_id => $event_type ) {
			$this->send_debounced( $product_id, $event_type );
		}
	}

	/**
	 * The trailing send at the end of a debounce window: the latest state, once.
	 *
	 * @param int $product_id Product changed during the window.
	 */
	public function flush_product( $product_id ): void {
		$product = $this->sendable_product( (int) $product_id );
		if ( null === $product ) {
			return;
		}
		$this->send_now( $product, 'product.updated' );
	}

	/**
	 * @param int    $product_id Product that changed.
	 * @param string $event_type product.created or product.updated.
	 */
	private function queue( int $product_id, string $event_type ): void {
		if ( $product_id <= 0 ) {
			return;
		}
		if ( ! $this->pending ) {
			add_action( 'shutdown', array( $this, 'send_pending' ) );
		}
		// A product created and then saved again in one request is still a creation.
		if ( 'product.created' !== ( $this->pending[ $product_id ] ?? '' ) ) {
			$this->pending[ $product_id ] = $event_type;
		}
	}

	/**
	 * @param int    $product_id Product that changed.
	 * @param string $event_type product.created or product.updated.
	 */
	private function send_debounced( int $product_id, string $event_type ): void {
		$product = $this->sendable_product( $product_id );
		if ( null === $product ) {
			return;
		}
		$last_sent = get_transient( self::DEBOUNCE_PREFIX . $product_id );
		if ( false === $last_sent ) {
			$this->send_now( $product, $event_type );
			return;
		}
		if ( false === wp_next_scheduled( self::FLUSH_HOOK, array( $product_id ) ) ) {
			wp_schedule_single_event( (int) $last_sent + CATALOG_SYNC_DEBOUNCE_SECONDS, self::FLUSH_HOOK, array( $product_id ) );
		}
	}

	/**
	 * @param WC_Product $product    Product to send.
	 * @param string     $event_type Event type.
	 */
	private function send_now( $product, string $event_type ): void {
		set_transient( self::DEBOUNCE_PREFIX . $product->get_id(), time(), CATALOG_SYNC_DEBOUNCE_SECONDS );
		$this->api->send_event( $event_type, catalog_sync_build_product_payload( $product ) );
	}

	/**
	 * The product if it still exists and is worth sending: auto-drafts are empty shells, a
	 * trashed product was already sent as deleted, and the server refuses a product without a
	 * name.
	 *
	 * @param int $product_id Product id.
	 * @return WC_Product|null
	 */
	private function sendable_product( int $product_id ) {
		$product = wc_get_product( $product_id );
		if ( ! $product || in_array( $product->get_status(), array( 'auto-draft', 'trash' ), true ) ) {
			return null;
		}
		return '' === trim( (string) $product->get_name() ) ? null : $product;
	}
}
