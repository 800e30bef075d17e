<?php
/**
 * Plugin Name: WooCommerce stand-in (tests only)
 * Description: The part of WooCommerce the Catalog Sync plugin listens to: a `product` post
 *              type, WC_Product read from post meta, and the hooks WooCommerce fires when its
 *              data store creates or updates a product or sets its stock, and its restore rule
 *              (a product leaves the trash with the status it had). It does none of the
 *              plugin's work.
 *
 * @package CatalogSync\Tests
 */

defined( 'ABSPATH' ) || exit;

/** WooCommerce's main class: its presence is how plugins detect WooCommerce. */
class WooCommerce {
}

/** A product as WooCommerce reads it: the post, its meta and its terms. */
class WC_Product {
	/** @var WP_Post */
	private $post;

	public function __construct( WP_Post $post ) {
		$this->post = $post;
	}

	private function meta( string $key ): string {
		return (string) get_post_meta( $this->post->ID, $key, true );
	}

	public function get_id(): int {
		return (int) $this->post->ID;
	}
	public function get_parent_id(): int {
		return (int) $this->post->post_parent;
	}
	public function get_name(): string {
		return (string) $this->post->post_title;
	}
	public function get_sku(): string {
		return $this->meta( '_sku' );
	}
	public function get_description(): string {
		return (string) $this->post->post_content;
	}
	public function get_short_description(): string {
		return (string) $this->post->post_excerpt;
	}
	public function get_regular_price(): string {
		return $this->meta( '_regular_price' );
	}
	public function get_sale_price(): string {
		return $this->meta( '_sale_price' );
	}
	public function get_price(): string {
		return $this->meta( '_price' );
	}
	public function is_type( string $type ): bool {
		return 'simple' === $type;
	}
	public function get_variation_regular_price( string $which = 'min' ): string {
		return '';
	}
	public function managing_stock(): bool {
		return 'yes' === $this->meta( '_manage_stock' );
	}
	public function get_stock_quantity(): ?int {
		return '' === $this->meta( '_stock' ) ? null : (int) $this->meta( '_stock' );
	}
	public function get_stock_status(): string {
		return $this->meta( '_stock_status' ) ? $this->meta( '_stock_status' ) : 'instock';
	}
	public function get_status(): string {
		return (string) $this->post->post_status;
	}
	public function get_image_id(): int {
		return (int) get_post_thumbnail_id( $this->post );
	}
	public function get_gallery_image_ids(): array {
		return array_filter( array_map( 'intval', explode( ',', $this->meta( '_product_image_gallery' ) ) ) );
	}
	public function get_permalink(): string {
		return (string) get_permalink( $this->post );
	}
	public function get_date_modified(): ?DateTimeImmutable {
		return new DateTimeImmutable( $this->post->post_modified_gmt, new DateTimeZone( 'UTC' ) );
	}
	public function get_date_on_sale_from(): ?DateTimeImmutable {
		return $this->sale_date( '_sale_price_dates_from' );
	}
	public function get_date_on_sale_to(): ?DateTimeImmutable {
		return $this->sale_date( '_sale_price_dates_to' );
	}
	private function sale_date( string $key ): ?DateTimeImmutable {
		$stamp = $this->meta( $key );
		return '' === $stamp ? null : ( new DateTimeImmutable( '@' . (int) $stamp ) );
	}
}

/**
 * WooCommerce's product lookup: false for anything that is not a product.
 *
 * @param int $product_id Post id.
 * @return WC_Product|false
 */
function wc_get_product( $product_id ) {
	$post = get_post( (int) $product_id );
	if ( ! $post || ! in_array( $post->post_type, array( 'product', 'product_variation' ), true ) ) {
		return false;
	}
	return new WC_Product( $post );
}

/** The store currency option, as WooCommerce reads it. */
function get_woocommerce_currency(): string {
	return (string) get_option( 'woocommerce_currency', 'USD' );
}

add_action(
	'init',
	static function (): void {
		register_post_type(
			'product',
			array(
				'public'   => true,
				'label'    => 'Products',
				'supports' => array( 'title', 'editor', 'excerpt', 'thumbnail' ),
			)
		);
		register_taxonomy( 'product_cat', 'product' );
		register_taxonomy( 'product_tag', 'product' );
	},
	5
);

// WooCommerce's installer gives administrators its capability, and its menu is the parent of
// extension pages such as Catalog Sync's.
add_action(
	'init',
	static function (): void {
		$role = get_role( 'administrator' );
		if ( $role && ! $role->has_cap( 'manage_woocommerce' ) ) {
			$role->add_cap( 'manage_woocommerce' );
		}
	}
);
add_action(
	'admin_menu',
	static function (): void {
		add_menu_page( 'WooCommerce', 'WooCommerce', 'manage_woocommerce', 'woocommerce', '__return_null', '', 55 );
	},
	9
);

// WooCommerce restores a product from the trash with the status it had (not as a draft).
add_filter(
	'wp_untrash_post_status',
	static function ( $new_status, $post_id, $previous_status ) {
		return 'product' === get_post_type( $post_id ) ? $previous_status : $new_status;
	},
	10,
	3
);

/**
 * What WC_Product_Data_Store_CPT does on create/update: write the post and its meta, then fire
 * woocommerce_new_product or woocommerce_update_product; wc_update_product_stock() fires
 * woocommerce_product_set_stock.
 */
final class CS_Standin_Store {

	/**
	 * @param array<string,mixed> $data name, sku, price, sale_price, stock, status.
	 */
	public static function create( array $data ): int {
		$id = wp_insert_post(
			array(
				'post_type'   => 'product',
				'post_status' => $data['status'] ?? 'publish',
				'post_title'  => $data['name'] ?? '',
			),
			true
		);
		if ( is_wp_error( $id ) ) {
			throw new RuntimeException( $id->get_error_message() );
		}
		self::write_meta( $id, $data );
		self::attach_image( $id, $data['image'] ?? 'https://images.example.com/' . rawurlencode( (string) ( $data['sku'] ?? $id ) ) . '.jpg' );
		do_action( 'woocommerce_new_product', $id, wc_get_product( $id ) );
		return (int) $id;
	}

	/**
	 * @param int                 $id   Product id.
	 * @param array<string,mixed> $data Fields to change.
	 */
	public static function update( int $id, array $data ): void {
		$post = array( 'ID' => $id );
		if ( isset( $data['name'] ) ) {
			$post['post_title'] = $data['name'];
		}
		if ( isset( $data['status'] ) ) {
			$post['post_status'] = $data['status'];
		}
		wp_update_post( $post );
		self::write_meta( $id, $data );
		do_action( 'woocommerce_update_product', $id, wc_get_product( $id ) );
	}

	public static function set_stock( int $id, int $quantity ): void {
		update_post_meta( $id, '_manage_stock', 'yes' );
		update_post_meta( $id, '_stock', $quantity );
		update_post_meta( $id, '_stock_status', $quantity > 0 ? 'instock' : 'outofstock' );
		do_action( 'woocommerce_product_set_stock', wc_get_product( $id ) );
	}

	/**
	 * A product image as a shop has it: an attachment set as the product's thumbnail. Meta
	 * refuses a new item without an image, so the stand-in's products carry one unless the
	 * caller passes an empty "image".
	 *
	 * @param int    $id  Product id.
	 * @param string $url The image's address ('' for none).
	 */
	private static function attach_image( int $id, string $url ): void {
		if ( '' === $url ) {
			return;
		}
		$attachment = wp_insert_attachment(
			array(
				'guid'           => $url,
				'post_mime_type' => 'image/jpeg',
				'post_title'     => basename( $url ),
				'post_status'    => 'inherit',
			),
			false,
			$id
		);
		if ( $attachment ) {
			// set_post_thumbnail() wants a resizable file on disk; the meta is what it writes.
			update_post_meta( $id, '_thumbnail_id', $attachment );
		}
	}

	/**
	 * @param int                 $id   Product id.
	 * @param array<string,mixed> $data Fields.
	 */
	private static function write_meta( int $id, array $data ): void {
		$map = array(
			'sku'        => '_sku',
			'price'      => '_regular_price',
			'sale_price' => '_sale_price',
		);
		foreach ( $map as $field => $key ) {
			if ( isset( $data[ $field ] ) ) {
				update_post_meta( $id, $key, (string) $data[ $field ] );
			}
		}
		if ( isset( $data['price'] ) || isset( $data['sale_price'] ) ) {
			$sale = (string) get_post_meta( $id, '_sale_price', true );
			update_post_meta( $id, '_price', '' !== $sale ? $sale : (string) get_post_meta( $id, '_regular_price', true ) );
		}
		if ( isset( $data['stock'] ) ) {
			update_post_meta( $id, '_manage_stock', 'yes' );
			update_post_meta( $id, '_stock', (int) $data['stock'] );
			update_post_meta( $id, '_stock_status', (int) $data['stock'] > 0 ? 'instock' : 'outofstock' );
		}
	}
}
