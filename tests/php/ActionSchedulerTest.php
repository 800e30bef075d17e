<?php
/**
 * The sender's delivery path when WooCommerce provides Action Scheduler: runs are scheduled
 * there (not in WP-Cron), one pending run at a time, and a run started by Action Scheduler
 * schedules its own retry or continuation there too.
 *
 * Action Scheduler's functions are global, so every test runs in its own PHP process.
 *
 * @runTestsInSeparateProcesses
 * @preserveGlobalState disabled
 * @package CatalogSync\Tests
 */

final class ActionSchedulerTest extends CS_TestCase {

	protected function setUp(): void {
		parent::setUp();
		require_once __DIR__ . '/stubs/action-scheduler.php';
		CS_AS::reset();
		$this->configure();
		Catalog_Sync_Outbox::install();
		Catalog_Sync_Sender::register();
		$this->product(
			array(
				'id'            => 414,
				'name'          => 'Product 414',
				'regular_price' => '10.00',
			)
		);
	}

	/** @return array<int,array<string,mixed>> Batches posted to the webhook. */
	private function batches(): array {
		return array_values(
			array_filter(
				CS_WP::$remote_posts,
				static function ( array $call ): bool {
					return is_string( $call['args']['body'] ?? null );
				}
			)
		);
	}

	public function test_a_queued_change_schedules_one_run_in_action_scheduler_not_wp_cron(): void {
		$now = time();
		Catalog_Sync_Outbox::put( 414, 'product.updated' );
		Catalog_Sync_Sender::after_request();
		Catalog_Sync_Outbox::put( 414, 'product.updated' ); // a second save in the same minute
		Catalog_Sync_Sender::after_request();

		$pending = CS_AS::pending();
		$this->assertCount( 1, $pending );
		$this->assertSame( array( 'catalog_sync_send', 'catalog-sync' ), array_slice( $pending[0], 0, 2 ) );
		$this->assertGreaterThanOrEqual( $now, $pending[0][2] );
		$this->assertLessThanOrEqual( time(), $pending[0][2] );
		$this->assertArrayNotHasKey( 'catalog_sync_send|[]', CS_WP::$cron );
		$this->assertArrayHasKey( 'catalog_sync_sweep|[]', CS_WP::$cron ); // the hourly net stays
	}

	public function test_an_earlier_run_replaces_a_later_one_and_a_later_one_is_not_added(): void {
		$now = time();
		Catalog_Sync_Sender::schedule( $now + 600 );
		Catalog_Sync_Sender::schedule( $now + 60 );
		Catalog_Sync_Sender::schedule( $now + 300 );

		$this->assertSame( array( array( 'catalog_sync_send', 'catalog-sync', $now + 60 ) ), CS_AS::pending() );
		$this->assertSame( 'canceled', CS_AS::$actions[0]['status'] );
	}

	public function test_the_scheduled_run_delivers_the_queue_and_leaves_nothing_pending(): void {
		Catalog_Sync_Outbox::put( 414, 'product.updated' );
		Catalog_Sync_Outbox::put( 999, 'product.deleted' );
		Catalog_Sync_Sender::schedule( time() );
		$this->answer_posted_batch();

		$this->assertSame( 1, CS_AS::run_due( time() ) );

		$this->assertCount( 1, $this->batches() );
		$events = json_decode( $this->batches()[0]['args']['body'], true )['events'];
		$this->assertSame( array( 414, 999 ), array_column( array_column( $events, 'product' ), 'id' ) );
		$this->assertSame( array(), CS_WP::outbox() );
		$this->assertSame( array(), CS_AS::pending() );
		$this->assertArrayNotHasKey( 'catalog_sync_send|[]', CS_WP::$cron );
	}

	public function test_a_run_that_fails_inside_action_scheduler_schedules_its_retry_there(): void {
		Catalog_Sync_Outbox::put( 414, 'product.updated' );
		Catalog_Sync_Sender::schedule( time() );
		CS_WP::$post_responses = array( new WP_Error( 'http_request_failed', 'cURL error 28: Operation timed out' ) );

		CS_AS::run_due( time() );

		$state = Catalog_Sync_Sender::state();
		$this->assertSame( 1, $state['failures'] );
		$this->assertGreaterThan( time(), $state['retry_at'] );
		// Action Scheduler says true for the running action itself; the retry must not be lost.
		$this->assertSame( array( array( 'catalog_sync_send', 'catalog-sync', $state['retry_at'] ) ), CS_AS::pending() );
		$this->assertArrayNotHasKey( 'catalog_sync_send|[]', CS_WP::$cron );

		// That action runs while the pause lasts (this test's clock does not move): it sends
		// nothing and leaves exactly one run at the retry time, neither none nor two.
		$this->assertSame( 1, CS_AS::run_due( $state['retry_at'] ) );
		$this->assertCount( 1, CS_WP::$remote_posts );
		$this->assertSame( array( array( 'catalog_sync_send', 'catalog-sync', $state['retry_at'] ) ), CS_AS::pending() );
	}

	public function test_a_queue_longer_than_one_run_continues_in_a_new_action(): void {
		foreach ( range( 1001, 1030 ) as $id ) {
			Catalog_Sync_Outbox::put( $id, 'product.deleted' );
		}
		add_filter(
			'catalog_sync_run_seconds',
			static function (): int {
				return 0; // one batch per run
			}
		);
		Catalog_Sync_Sender::schedule( time() );
		$this->answer_posted_batch();

		CS_AS::run_due( time() );
		$this->assertCount( 1, $this->batches() );
		$this->assertCount( 5, CS_WP::outbox() ); // 25 went in the first batch
		$this->assertCount( 1, CS_AS::pending() ); // the rest has its own run

		CS_AS::run_due( time() );
		$this->assertCount( 2, $this->batches() );
		$this->assertSame( array(), CS_WP::outbox() );
		$this->assertSame( array(), CS_AS::pending() );
	}
}
