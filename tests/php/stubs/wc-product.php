<?php
/**
 * A WC_Product stand-in holding its properties in an array, with WooCommerce's getters.
 *
 * @package CatalogSync\Tests
 */

class WC_Product {
	/** @var array<string,mixed> */
	public $props;

	/**
	 * @param array<string,mixed> $props Property values; missing ones take WooCommerce's defaults.
	 */
	public function __construct( array $props ) {
		$this->props = array_merge(
			array(
				'id'                => 0,
				'parent_id'         => 0,
				'type'              => 'simple',
				'sku'               => '',
				'name'              => '',
				'short_description' => '',
				'description'       => '',
				'regular_price'     => '',
				'price'             => '',
				'sale_price'        => '',
				'min_variation_regular_price' => '',
				'manage_stock'      => false,
				'stock_quantity'    => null,
				'stock_status'      => 'instock',
				'status'            => 'publish',
				'image_id'          => 0,
				'gallery_image_ids' => array(),
				'permalink'         => '',
				'date_modified'     => null,
				'date_on_sale_from' => null,
				'date_on_sale_to'   => null,
			),
			$props
		);
	}

	public function get_id() { return $this->props['id']; }
	public function get_parent_id() { return $this->props['parent_id']; }
	public function is_type( string $type ): bool { return $this->props['type'] === $type; }
	public function get_sku() { return $this->props['sku']; }
	public function get_name() { return $this->props['name']; }
	public function get_short_description() { return $this->props['short_description']; }
	public function get_description() { return $this->props['description']; }
	public function get_regular_price() { return $this->props['regular_price']; }
	public function get_price() { return $this->props['price']; }
	public function get_sale_price() { return $this->props['sale_price']; }
	public function get_variation_regular_price( string $min_or_max ) { return $this->props['min_variation_regular_price']; }
	public function managing_stock(): bool { return $this->props['manage_stock']; }
	public function get_stock_quantity() { return $this->props['stock_quantity']; }
	public function get_stock_status() { return $this->props['stock_status']; }
	public function get_status() { return $this->props['status']; }
	public function get_image_id() { return $this->props['image_id']; }
	public function get_gallery_image_ids() { return $this->props['gallery_image_ids']; }
	public function get_permalink() { return $this->props['permalink']; }
	public function get_date_modified() { return $this->props['date_modified']; }
	public function get_date_on_sale_from() { return $this->props['date_on_sale_from']; }
	public function get_date_on_sale_to() { return $this->props['date_on_sale_to']; }
}
