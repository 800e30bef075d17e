<?php
/**
 * The background sender: batches, per-event outcomes, the pause with backoff after a failed
 * request, the retry window, resends, the resync and the kick.
 *
 * @package CatalogSync\Tests
 */

final class SenderTest extends CS_TestCase {

	protected function setUp(): void {
		parent::setUp();
		$this->configure();
		Catalog_Sync_Outbox::install();
		foreach ( array( 414, 415, 416 ) as $id ) {
			$this->product(
				array(
					'id'            => $id,
					'name'          => "Product $id",
					'regular_price' => '10.00',
				)
			);
		}
	}

	public function test_one_batch_carries_the_queue_with_each_products_current_state(): void {
		Catalog_Sync_Outbox::put( 414, 'product.updated' );
		Catalog_Sync_Outbox::put( 415, 'product.created' );
		Catalog_Sync_Outbox::put( 999, 'product.deleted' );
		CS_WP::$products[414]->props['regular_price'] = '11.00'; // changed after it was queued
		$this->answer_posted_batch();

		Catalog_Sync_Sender::run();

		$this->assertCount( 1, CS_WP::$remote_posts );
		$events = json_decode( CS_WP::$remote_posts[0]['args']['body'], true )['events'];
		$this->assertSame( array( 414, 415, 999 ), array_column( array_column( $events, 'product' ), 'id' ) );
		$this->assertSame( array( 'product.updated', 'product.created', 'product.deleted' ), array_column( $events, 'event_type' ) );
		$this->assertSame( '11.00', $events[0]['product']['price'] );
		$this->assertSame( array( 'id' => 999 ), $events[2]['product'] );
		$this->assertSame( array(), CS_WP::outbox() );
		$this->assertSame( 3, Catalog_Sync_Sender::delivered_last_day() );
		$state = Catalog_Sync_Sender::state();
		$this->assertSame( array( 0, 0 ), array( $state['failures'], $state['retry_at'] ) );
		$this->assertGreaterThan( 0, $state['last_success_at'] );
	}

	public function test_a_change_made_while_the_batch_was_in_flight_stays_queued(): void {
		Catalog_Sync_Outbox::put( 414, 'product.updated' );
		$this->answer_posted_batch();
		$answer             = CS_WP::$during_post;
		CS_WP::$during_post = static function ( string $url, array $args ) use ( $answer ): void {
			$answer( $url, $args );
			Catalog_Sync_Outbox::put( 414, 'product.updated' ); // a save in another request
			CS_WP::$during_post = $answer;
		};

		Catalog_Sync_Sender::run();

		$this->assertCount( 2, CS_WP::$remote_posts ); // the newer change went in the next batch
		$first  = json_decode( CS_WP::$remote_posts[0]['args']['body'], true )['events'][0]['event_id'];
		$second = json_decode( CS_WP::$remote_posts[1]['args']['body'], true )['events'][0]['event_id'];
		$this->assertNotSame( $first, $second );
		$this->assertSame( array(), CS_WP::outbox() );
	}

	public function test_a_refused_event_is_kept_with_the_servers_reason_and_the_rest_delivered(): void {
		Catalog_Sync_Outbox::put( 414, 'product.updated' );
		Catalog_Sync_Outbox::put( 415, 'product.updated' );
		$this->answer_posted_batch( array( 415 ) );

		Catalog_Sync_Sender::run();

		$this->assertSame( array( 415 ), array_keys( CS_WP::outbox() ) );
		$row = CS_WP::outbox()[415];
		$this->assertSame( array( 'refused', '1', 'price: Enter a price.' ), array( $row['state'], $row['attempts'], $row['last_error'] ) );
		$this->assertSame( 0, Catalog_Sync_Sender::state()['failures'] );
		$this->assertSame( 1, Catalog_Sync_Outbox::summary()['refused'] );

		$this->assertSame( 1, Catalog_Sync_Outbox::resend( 415 ) );
		$this->assertSame( 'waiting', CS_WP::outbox()[415]['state'] );
	}

	public function test_a_failed_request_pauses_the_queue_and_costs_each_event_an_attempt(): void {
		Catalog_Sync_Outbox::put( 414, 'product.updated' );
		CS_WP::$post_responses = array( new WP_Error( 'http_request_failed', 'cURL error 7: Connection refused' ) );
		$before                = time();

		Catalog_Sync_Sender::run();

		$row = CS_WP::outbox()[414];
		$this->assertSame( array( 'waiting', '1', 'cURL error 7: Connection refused' ), array( $row['state'], $row['attempts'], $row['last_error'] ) );
		$state = Catalog_Sync_Sender::state();
		$this->assertSame( 1, $state['failures'] );
		$this->assertGreaterThanOrEqual( $before + 8, $state['retry_at'] ); // 15 s, upper half jittered
		$this->assertLessThanOrEqual( time() + 15, $state['retry_at'] );
		$this->assertSame( $state['retry_at'], CS_WP::$cron['catalog_sync_send|[]'] );
		$this->assertSame( array( 'waiting' => 0, 'retrying' => 1 ), array_intersect_key( Catalog_Sync_Outbox::summary(), array( 'waiting' => 0, 'retrying' => 0 ) ) );

		Catalog_Sync_Sender::run(); // paused: no request
		$this->assertCount( 1, CS_WP::$remote_posts );

		Catalog_Sync_Outbox::put( 415, 'product.updated' );
		Catalog_Sync_Sender::after_request(); // paused: no kick either
		$this->assertCount( 1, CS_WP::$remote_posts );
	}

	public function test_backoff_doubles_from_15_seconds_to_an_hour_with_jitter(): void {
		$ranges = array();
		foreach ( array( 1, 2, 3, 8, 9, 30 ) as $failures ) {
			$delays               = array_map(
				static function () use ( $failures ): int {
					return Catalog_Sync_Sender::backoff( $failures );
				},
				range( 1, 200 )
			);
			$ranges[ $failures ] = array( min( $delays ), max( $delays ) );
		}
		foreach ( array( 1 => 15, 2 => 30, 3 => 60, 8 => 1920, 9 => 3600, 30 => 3600 ) as $failures => $delay ) {
			$this->assertGreaterThanOrEqual( $delay - intdiv( $delay, 2 ), $ranges[ $failures ][0] );
			$this->assertLessThanOrEqual( $delay, $ranges[ $failures ][1] );
			$this->assertNotSame( $ranges[ $failures ][0], $ranges[ $failures ][1] ); // jittered
		}
	}

	public function test_events_still_undelivered_after_the_retry_window_are_kept_as_failed(): void {
		global $wpdb;
		Catalog_Sync_Outbox::put( 414, 'product.updated' );
		Catalog_Sync_Outbox::put( 415, 'product.updated' );
		$wpdb->query( 'UPDATE wp_catalog_sync_outbox SET queued_at = ' . ( time() - 86401 ) . ' WHERE product_id = 414' );
		CS_WP::$post_responses = array( new WP_Error( 'http_request_failed', 'timed out' ) );

		Catalog_Sync_Sender::run();

		$this->assertSame( array( 414 => 'failed', 415 => 'waiting' ), array_column( CS_WP::outbox(), 'state', 'product_id' ) );
		$this->assertSame( 1, Catalog_Sync_Outbox::summary()['failed'] );
		$this->assertSame( 1, Catalog_Sync_Outbox::resend() );
		$this->assertSame( 'waiting', CS_WP::outbox()[414]['state'] );
	}

	public function test_one_sender_at_a_time(): void {
		global $wpdb;
		Catalog_Sync_Outbox::put( 414, 'product.updated' );
		$wpdb->locks['catalog_sync_sender_lock_wp_'] = true; // another process is sending

		Catalog_Sync_Sender::run();

		$this->assertSame( array(), CS_WP::$remote_posts );
	}

	public function test_send_all_products_queues_published_products_through_the_outbox(): void {
		CS_WP::$options[ Catalog_Sync_Sender::RESYNC_OPTION ] = 1;
		$this->answer_posted_batch();

		Catalog_Sync_Sender::run();

		$events = json_decode( CS_WP::$remote_posts[0]['args']['body'], true )['events'];
		$this->assertSame( array( 414, 415, 416 ), array_column( array_column( $events, 'product' ), 'id' ) );
		$this->assertArrayNotHasKey( Catalog_Sync_Sender::RESYNC_OPTION, CS_WP::$options ); // last page
	}

	public function test_no_kick_while_a_sender_runs_and_kicks_need_the_sites_key(): void {
		global $wpdb;
		$wpdb->locks['catalog_sync_sender_lock_wp_'] = true; // a sender is draining the queue
		Catalog_Sync_Sender::after_request();
		$this->assertSame( array(), CS_WP::$remote_posts );
		unset( $wpdb->locks['catalog_sync_sender_lock_wp_'] );
		Catalog_Sync_Sender::after_request();
		$this->assertCount( 1, CS_WP::$remote_posts );

		$_POST['key'] = 'wrong';
		try {
			Catalog_Sync_Sender::handle_kick();
			$this->fail( 'a wrong key must be refused' );
		} catch ( CS_Died $died ) {
			$this->assertSame( 403, $died->args['response'] );
		} finally {
			unset( $_POST['key'] );
		}
	}

	public function test_an_unsendable_product_leaves_the_queue_without_a_request(): void {
		$this->product( array( 'id' => 417, 'name' => '', 'status' => 'auto-draft' ) );
		Catalog_Sync_Outbox::put( 417, 'product.updated' );

		Catalog_Sync_Sender::run();

		$this->assertSame( array(), CS_WP::$remote_posts );
		$this->assertSame( array(), CS_WP::outbox() );
	}
}
