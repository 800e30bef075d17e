<?php
/**
 * The product object of an event, built from a WC_Product.
 *
 * @package CatalogSync\Tests
 */

final class PayloadTest extends CS_TestCase {

	public function test_full_simple_product_gives_the_exact_payload(): void {
		CS_WP::$terms['414|product_cat'] = array( 'Shoes', 'Men' );
		CS_WP::$terms['414|product_tag'] = array( 'sport' );
		CS_WP::$attachments[21]          = 'https://shop.example.com/img/main.jpg';
		CS_WP::$attachments[22]          = 'https://shop.example.com/img/side.jpg';
		$product                         = $this->product(
			array(
				'id'                => 414,
				'sku'               => 'PROD-001',
				'name'              => 'Running shoe',
				'short_description' => 'Light and comfortable',
				'description'       => '<p>Soft sole.</p>',
				'regular_price'     => '12.50',
				'price'             => '9.99',
				'sale_price'        => '9.99',
				'manage_stock'      => true,
				'stock_quantity'    => 12,
				'stock_status'      => 'instock',
				'image_id'          => 21,
				'gallery_image_ids' => array( 22, 21, 99 ),
				'permalink'         => 'https://shop.example.com/product/running-shoe/',
				'date_modified'     => new DateTimeImmutable( '2025-11-10 12:00:00', new DateTimeZone( 'Asia/Tehran' ) ),
				'date_on_sale_from' => new DateTimeImmutable( '2025-12-01 03:30:00', new DateTimeZone( 'Asia/Tehran' ) ),
			)
		);

		$this->assertSame(
			array(
				'id'                => 414,
				'sku'               => 'PROD-001',
				'name'              => 'Running shoe',
				'short_description' => 'Light and comfortable',
				'description'       => '<p>Soft sole.</p>',
				'price'             => '12.50',
				'sale_price'        => '9.99',
				'currency'          => 'USD',
				'stock_quantity'    => 12,
				'stock_status'      => 'instock',
				'status'            => 'publish',
				'categories'        => array( 'Shoes', 'Men' ),
				'tags'              => array( 'sport' ),
				'image'             => 'https://shop.example.com/img/main.jpg',
				'images'            => array( 'https://shop.example.com/img/main.jpg', 'https://shop.example.com/img/side.jpg' ),
				'permalink'         => 'https://shop.example.com/product/running-shoe/',
				'date_modified_gmt' => '2025-11-10T08:30:00Z',
				'date_on_sale_from_gmt' => '2025-12-01T00:00:00',
				'date_on_sale_to_gmt'   => null,
			),
			catalog_sync_build_product_payload( $product )
		);
	}

	public function test_bare_draft_has_empty_strings_no_stock_and_no_image(): void {
		$product = $this->product(
			array(
				'id'           => 5,
				'name'         => 'Draft',
				'status'       => 'draft',
				'stock_status' => 'outofstock',
			)
		);

		$this->assertSame(
			array(
				'id'                => 5,
				'sku'               => '',
				'name'              => 'Draft',
				'short_description' => '',
				'description'       => '',
				'price'             => '',
				'sale_price'        => '',
				'currency'          => 'USD',
				'stock_quantity'    => null,
				'stock_status'      => 'outofstock',
				'status'            => 'draft',
				'categories'        => array(),
				'tags'              => array(),
				'image'             => null,
				'images'            => array(),
				'permalink'         => '',
				'date_modified_gmt' => null,
				'date_on_sale_from_gmt' => null,
				'date_on_sale_to_gmt'   => null,
			),
			catalog_sync_build_product_payload( $product )
		);
	}

	public function test_price_falls_back_to_active_price_then_cheapest_variation(): void {
		$only_active = $this->product(
			array(
				'id'    => 1,
				'price' => '7.00',
			)
		);
		$variable    = $this->product(
			array(
				'id'                          => 2,
				'type'                        => 'variable',
				'min_variation_regular_price' => '4.25',
			)
		);

		$this->assertSame( '7.00', catalog_sync_build_product_payload( $only_active )['price'] );
		$this->assertSame( '4.25', catalog_sync_build_product_payload( $variable )['price'] );
	}

	public function test_managed_stock_of_nothing_is_zero_not_null(): void {
		$product = $this->product(
			array(
				'id'             => 3,
				'manage_stock'   => true,
				'stock_quantity' => null,
			)
		);

		$this->assertSame( 0, catalog_sync_build_product_payload( $product )['stock_quantity'] );
	}

	public function test_term_lookup_error_gives_no_names(): void {
		CS_WP::$terms['6|product_cat'] = new WP_Error( 'invalid_taxonomy', 'Invalid taxonomy.' );

		$this->assertSame( array(), catalog_sync_term_names( 6, 'product_cat' ) );
	}
}
