<?php
/**
 * Product hooks write the outbox in the request (one row per product, newest change wins) and
 * never talk to the app; the end of the request schedules and kicks the background sender.
 *
 * @package CatalogSync\Tests
 */

final class HooksTest extends CS_TestCase {

	/** @var WC_Product */
	private $shoe;

	protected function setUp(): void {
		parent::setUp();
		$this->configure();
		Catalog_Sync_Outbox::install();
		( new Catalog_Sync_Hooks() )->register();
		$this->shoe = $this->product(
			array(
				'id'            => 414,
				'name'          => 'Shoe',
				'regular_price' => '12.50',
			)
		);
	}

	/** @return array<int,string> product id => event type in the outbox. */
	private function queued(): array {
		return array_map(
			static function ( array $row ): string {
				return $row['event_type'];
			},
			CS_WP::outbox()
		);
	}

	public function test_a_save_writes_the_outbox_and_sends_nothing_itself(): void {
		do_action( 'woocommerce_update_product', 414 );

		$this->assertSame( array( 414 => 'product.updated' ), $this->queued() );
		$row = CS_WP::outbox()[414];
		$this->assertSame( array( 'waiting', '0', '' ), array( $row['state'], $row['attempts'], $row['last_error'] ) );
		$this->assertMatchesRegularExpression( '/^wc_414_/', $row['event_id'] );
		$this->assertSame( array(), CS_WP::$remote_posts );
		$this->assertCount( 1, CS_WP::$hooks['shutdown'] );
	}

	public function test_the_end_of_the_request_schedules_the_sender_and_kicks_it_without_waiting(): void {
		do_action( 'woocommerce_update_product', 414 );
		do_action( 'shutdown' );

		$this->assertArrayHasKey( 'catalog_sync_send|[]', CS_WP::$cron );
		$this->assertCount( 1, CS_WP::$remote_posts );
		$kick = CS_WP::$remote_posts[0];
		$this->assertSame( 'https://shop.example.com/wp-admin/admin-ajax.php', $kick['url'] );
		$this->assertFalse( $kick['args']['blocking'] );
		$this->assertSame( 0.01, $kick['args']['timeout'] );
		$this->assertSame( 'catalog_sync_kick', $kick['args']['body']['action'] );
		$this->assertArrayNotHasKey( 'headers', $kick['args'] ); // the token never goes to the loopback
	}

	public function test_saves_coalesce_per_product_with_a_fresh_event_id_and_creation_stays(): void {
		do_action( 'woocommerce_new_product', 414 );
		$first = CS_WP::outbox()[414]['event_id'];
		do_action( 'woocommerce_product_set_stock', $this->shoe );
		do_action( 'woocommerce_update_product', 414 );

		$this->assertSame( array( 414 => 'product.created' ), $this->queued() );
		$this->assertNotSame( $first, CS_WP::outbox()[414]['event_id'] );
	}

	public function test_trash_then_delete_queues_one_deletion_and_restore_replaces_it(): void {
		do_action( 'woocommerce_update_product', 414 );
		do_action( 'wp_trash_post', 414 );
		$this->assertSame( array( 414 => 'product.deleted' ), $this->queued() );
		$trashed = CS_WP::outbox()[414]['event_id'];

		CS_WP::$posts[414] = array( 'post_status' => 'trash' );
		do_action( 'before_delete_post', 414 );
		$this->assertSame( $trashed, CS_WP::outbox()[414]['event_id'] ); // nothing more

		do_action( 'untrashed_post', 414 );
		$this->assertSame( array( 414 => 'product.updated' ), $this->queued() );
	}

	public function test_a_delete_without_trash_is_queued(): void {
		do_action( 'before_delete_post', 414 );

		$this->assertSame( array( 414 => 'product.deleted' ), $this->queued() );
	}

	public function test_going_live_from_scheduled_queues_an_update(): void {
		$post = (object) array(
			'ID'        => 414,
			'post_type' => 'product',
		);
		do_action( 'transition_post_status', 'publish', 'publish', $post );
		$this->assertSame( array(), $this->queued() );

		do_action( 'transition_post_status', 'publish', 'future', $post );
		$this->assertSame( array( 414 => 'product.updated' ), $this->queued() );

		$page = (object) array(
			'ID'        => 7,
			'post_type' => 'page',
		);
		do_action( 'transition_post_status', 'publish', 'future', $page );
		$this->assertSame( array( 414 => 'product.updated' ), $this->queued() );
	}

	public function test_variation_stock_is_queued_as_its_parent_and_other_posts_are_ignored(): void {
		do_action( 'woocommerce_variation_set_stock', new WC_Product( array( 'id' => 415, 'parent_id' => 414 ) ) );
		do_action( 'wp_trash_post', 99 );

		$this->assertSame( array( 414 => 'product.updated' ), $this->queued() );
	}

	public function test_a_failed_or_refused_row_starts_over_when_the_product_changes(): void {
		do_action( 'woocommerce_update_product', 414 );
		$row = CS_WP::outbox()[414];
		Catalog_Sync_Outbox::refused( 414, $row['event_id'], 'price: Enter a price.' );
		$this->assertSame( 'refused', CS_WP::outbox()[414]['state'] );

		do_action( 'woocommerce_update_product', 414 );

		$row = CS_WP::outbox()[414];
		$this->assertSame( array( 'waiting', '' ), array( $row['state'], $row['last_error'] ) );
	}
}
