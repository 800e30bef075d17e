<?php
/**
 * Turns WooCommerce product changes into outbox rows.
 *
 * @package CatalogSync
 */

defined( 'ABSPATH' ) || exit;

/**
 * Listens to product saves, stock changes, publication, trash, untrash and delete, and writes
 * each change to the outbox at once (a database write, nothing more). At the end of a request
 * that queued something, the background sender is scheduled and kicked; the shop's request
 * never talks to Catalog Sync.
 */
final class Catalog_Sync_Hooks {

	/** @var array<int,string> Product id => event type queued by this request. */
	private $queued = array();

	/**
	 * Registers the product hooks; called only when the plugin is configured.
	 */
	public function register(): void {
		add_action( 'woocommerce_new_product', array( $this, 'on_new_product' ), 10, 1 );
		add_action( 'woocommerce_update_product', array( $this, 'on_update_product' ), 10, 1 );
		add_action( 'woocommerce_product_set_stock', array( $this, 'on_stock_change' ), 10, 1 );
		add_action( 'woocommerce_variation_set_stock', array( $this, 'on_stock_change' ), 10, 1 );
		add_action( 'transition_post_status', array( $this, 'on_transition' ), 10, 3 );
		add_action( 'wp_trash_post', array( $this, 'on_trash' ), 10, 1 );
		add_action( 'before_delete_post', array( $this, 'on_delete' ), 10, 1 );
		add_action( 'untrashed_post', array( $this, 'on_untrash' ), 10, 1 );
	}

	/**
	 * @param int $product_id Id of the product WooCommerce just created.
	 */
	public function on_new_product( $product_id ): void {
		$this->queue( (int) $product_id, 'product.created' );
	}

	/**
	 * Products created in the admin arrive here too (WooCommerce fires no "new" hook for them):
	 * the server treats an update of a product it does not know as a creation.
	 *
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
	 * A scheduled product going live fires no WooCommerce hook, only this WordPress one.
	 *
	 * @param string  $new_status New post status.
	 * @param string  $old_status Old post status.
	 * @param WP_Post $post       The post.
	 */
	public function on_transition( $new_status, $old_status, $post ): void {
		if ( 'publish' !== $new_status || 'publish' === $old_status || ! is_object( $post ) || 'product' !== ( $post->post_type ?? '' ) ) {
			return;
		}
		$this->queue( (int) $post->ID, 'product.updated' );
	}

	/**
	 * Trashing removes the product from the catalog.
	 *
	 * @param int $post_id Post being trashed.
	 */
	public function on_trash( $post_id ): void {
		if ( 'product' === get_post_type( (int) $post_id ) ) {
			$this->queue( (int) $post_id, 'product.deleted' );
		}
	}

	/**
	 * Deleting for good: one delete event in all, so a product deleted from the trash (whose
	 * deletion was sent when it was trashed) sends nothing more.
	 *
	 * @param int $post_id Post being deleted.
	 */
	public function on_delete( $post_id ): void {
		$post_id = (int) $post_id;
		if ( 'product' !== get_post_type( $post_id ) || 'trash' === get_post_status( $post_id ) ) {
			return;
		}
		$this->queue( $post_id, 'product.deleted' );
	}

	/**
	 * A restored product is sent again with the status WooCommerce restored it to.
	 *
	 * @param int $post_id Post that left the trash.
	 */
	public function on_untrash( $post_id ): void {
		if ( 'product' === get_post_type( (int) $post_id ) ) {
			$this->queue( (int) $post_id, 'product.updated' );
		}
	}

	/**
	 * Writes the change to the outbox now (every hook writes: a sender in another process may
	 * have taken the row meanwhile); the first change of the request arranges the send.
	 *
	 * @param int    $product_id Product that changed.
	 * @param string $event_type Event type.
	 */
	private function queue( int $product_id, string $event_type ): void {
		if ( $product_id <= 0 ) {
			return;
		}
		if ( ! $this->queued ) {
			add_action( 'shutdown', array( Catalog_Sync_Sender::class, 'after_request' ), 1000 );
		}
		$this->queued[ $product_id ] = $event_type;
		Catalog_Sync_Outbox::put( $product_id, $event_type );
	}
}
