<?php
/**
 * Product hooks: one event per request, 30 s debounce with a trailing send, deletes always.
 *
 * @package CatalogSync\Tests
 */

final class HooksTest extends CS_TestCase {

	const FLUSH = 'catalog_sync_flush_product|[414]';

	/** @var Catalog_Sync_Hooks */
	private $hooks;

	/** @var WC_Product */
	private $shoe;

	protected function setUp(): void {
		parent::setUp();
		$this->configure();
		$this->hooks = new Catalog_Sync_Hooks( Catalog_Sync_Api::from_options() );
		$this->hooks->register();
		$this->shoe = $this->product(
			array(
				'id'            => 414,
				'name'          => 'Shoe',
				'regular_price' => '12.50',
			)
		);
	}

	/** What WordPress does at the end of every request. */
	private function end_request(): void {
		do_action( 'shutdown' );
		CS_WP::$hooks['shutdown'] = array();
	}

	/**
	 * @return array<int,array{0:string,1:int}> [event_type, product id] of every event posted.
	 */
	private function sent(): array {
		return array_map(
			static function ( array $event ): array {
				return array( $event['event_type'], $event['product']['id'] );
			},
			CS_WP::sent_events()
		);
	}

	public function test_an_update_is_sent_at_the_end_of_the_request(): void {
		do_action( 'woocommerce_update_product', 414 );
		$this->assertSame( array(), CS_WP::$remote_posts );

		$this->end_request();

		$this->assertSame( array( array( 'product.updated', 414 ) ), $this->sent() );
		$this->assertSame( catalog_sync_build_product_payload( $this->shoe ), CS_WP::sent_events()[0]['product'] );
	}

	public function test_several_hooks_in_one_request_send_one_event_and_creation_wins(): void {
		do_action( 'woocommerce_new_product', 414 );
		do_action( 'woocommerce_product_set_stock', $this->shoe );
		do_action( 'woocommerce_update_product', 414 );
		$this->end_request();

		$this->assertSame( array( array( 'product.created', 414 ) ), $this->sent() );
		$this->assertSame( array(), CS_WP::$cron );
	}

	public function test_second_update_within_30_seconds_sends_nothing_and_schedules_one_trailing_send(): void {
		do_action( 'woocommerce_update_product', 414 );
		$this->end_request();
		$sent_at = CS_WP::$transients['catalog_sync_debounce_414'][0];

		CS_WP::$now += 10;
		do_action( 'woocommerce_update_product', 414 );
		$this->end_request();
		CS_WP::$now += 19;
		do_action( 'woocommerce_product_set_stock', $this->shoe );
		$this->end_request();

		$this->assertCount( 1, CS_WP::$remote_posts );
		$this->assertSame( array( self::FLUSH => $sent_at + 30 ), CS_WP::$cron );
	}

	public function test_trailing_send_posts_the_latest_state_once(): void {
		do_action( 'woocommerce_update_product', 414 );
		$this->end_request();
		CS_WP::$now += 5;
		$this->shoe->props['regular_price'] = '14.00';
		do_action( 'woocommerce_update_product', 414 );
		$this->end_request();

		CS_WP::$now += 26;
		do_action( 'catalog_sync_flush_product', 414 );

		$this->assertSame( array( array( 'product.updated', 414 ), array( 'product.updated', 414 ) ), $this->sent() );
		$this->assertSame( '14.00', CS_WP::sent_events()[1]['product']['price'] );
	}

	public function test_after_the_window_an_update_is_sent_again(): void {
		do_action( 'woocommerce_update_product', 414 );
		$this->end_request();

		CS_WP::$now += 30;
		do_action( 'woocommerce_update_product', 414 );
		$this->end_request();

		$this->assertSame( array( array( 'product.updated', 414 ), array( 'product.updated', 414 ) ), $this->sent() );
		$this->assertSame( array(), CS_WP::$cron );
	}

	public function test_debounce_is_per_product(): void {
		$this->product(
			array(
				'id'   => 415,
				'name' => 'Sock',
			)
		);

		do_action( 'woocommerce_update_product', 414 );
		$this->end_request();
		do_action( 'woocommerce_update_product', 415 );
		$this->end_request();

		$this->assertSame( array( array( 'product.updated', 414 ), array( 'product.updated', 415 ) ), $this->sent() );
	}

	public function test_trash_and_delete_are_always_sent_at_once(): void {
		do_action( 'woocommerce_update_product', 414 );
		$this->end_request();
		CS_WP::$now += 1;
		do_action( 'woocommerce_update_product', 414 );
		$this->end_request();
		$this->assertArrayHasKey( self::FLUSH, CS_WP::$cron );

		do_action( 'wp_trash_post', 414 );
		do_action( 'before_delete_post', 414 );

		$this->assertSame(
			array( array( 'product.updated', 414 ), array( 'product.deleted', 414 ), array( 'product.deleted', 414 ) ),
			$this->sent()
		);
		$this->assertSame( array( 'id' => 414 ), CS_WP::sent_events()[1]['product'] );
		$this->assertSame( array(), CS_WP::$cron );
		$this->assertArrayNotHasKey( 'catalog_sync_debounce_414', CS_WP::$transients );
	}

	public function test_delete_drops_an_update_queued_in_the_same_request(): void {
		do_action( 'woocommerce_update_product', 414 );
		do_action( 'before_delete_post', 414 );
		$this->end_request();

		$this->assertSame( array( array( 'product.deleted', 414 ) ), $this->sent() );
	}

	public function test_a_trashed_product_saved_later_is_not_sent_as_an_update(): void {
		do_action( 'wp_trash_post', 414 );
		$this->shoe->props['status'] = 'trash';
		do_action( 'woocommerce_update_product', 414 );
		$this->end_request();

		$this->assertSame( array( array( 'product.deleted', 414 ) ), $this->sent() );
	}

	public function test_untrash_is_sent_even_inside_the_window(): void {
		do_action( 'woocommerce_update_product', 414 );
		$this->end_request();
		CS_WP::$now += 3;
		$this->shoe->props['status'] = 'draft';

		do_action( 'untrashed_post', 414 );
		$this->end_request();

		$this->assertSame( array( array( 'product.updated', 414 ), array( 'product.updated', 414 ) ), $this->sent() );
		$this->assertSame( 'draft', CS_WP::sent_events()[1]['product']['status'] );
	}

	public function test_other_post_types_are_ignored(): void {
		CS_WP::$post_types[9] = 'post';

		do_action( 'wp_trash_post', 9 );
		do_action( 'before_delete_post', 9 );
		do_action( 'untrashed_post', 9 );
		$this->end_request();

		$this->assertSame( array(), CS_WP::$remote_posts );
	}

	public function test_variation_stock_change_is_sent_as_its_parent(): void {
		$variation = new WC_Product(
			array(
				'id'        => 500,
				'parent_id' => 414,
				'type'      => 'variation',
			)
		);

		do_action( 'woocommerce_variation_set_stock', $variation );
		$this->end_request();

		$this->assertSame( array( array( 'product.updated', 414 ) ), $this->sent() );
	}

	public function test_auto_drafts_nameless_and_vanished_products_are_not_sent(): void {
		$this->product(
			array(
				'id'     => 416,
				'name'   => 'Shell',
				'status' => 'auto-draft',
			)
		);

		$this->product(
			array(
				'id'   => 417,
				'name' => '  ',
			)
		);

		do_action( 'woocommerce_new_product', 416 );
		do_action( 'woocommerce_update_product', 417 );
		do_action( 'woocommerce_update_product', 999 );
		$this->end_request();
		do_action( 'catalog_sync_flush_product', 999 );

		$this->assertSame( array(), CS_WP::$remote_posts );
	}
}
