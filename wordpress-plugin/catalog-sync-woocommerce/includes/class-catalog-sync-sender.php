<?php
/**
 * The background sender: delivers the outbox in batches, outside every shop request.
 *
 * @package CatalogSync
 */

defined( 'ABSPATH' ) || exit;

/**
 * Runs from Action Scheduler when WooCommerce provides it, from WP-Cron otherwise, and from a
 * non-blocking loopback request ("kick") made after a shop request that queued a change.
 *
 * An answer that concerns the request as a whole (unreachable, timeout, 5xx, token refused)
 * pauses the whole queue with exponential backoff and jitter, and costs each event one attempt;
 * events still undelivered after the retry window are kept as failed. A per-event refusal
 * marks only that event refused, with the server's reason.
 */
final class Catalog_Sync_Sender {

	const HOOK             = 'catalog_sync_send';
	const SWEEP_HOOK       = 'catalog_sync_sweep';
	const GROUP            = 'catalog-sync';
	const KICK_ACTION      = 'catalog_sync_kick';
	const KICK_KEY_OPTION  = 'catalog_sync_kick_key';
	const STATE_OPTION     = 'catalog_sync_sender_state';
	const DELIVERED_OPTION = 'catalog_sync_delivered';
	const LOCK_OPTION      = 'catalog_sync_sender_lock';
	const RESYNC_OPTION    = 'catalog_sync_resync_page';
	const BATCH_SIZE       = 25;
	const MAX_BATCH_BYTES  = 524288;
	const RUN_SECONDS      = 20;
	const RESYNC_PAGE_SIZE = 100;
	const RETRY_WINDOW     = 86400;
	const BACKOFF_BASE     = 15;
	const BACKOFF_CAP      = 3600;

	/**
	 * Registers the background entry points; called when the plugin is configured.
	 */
	public static function register(): void {
		add_action( self::HOOK, array( self::class, 'run' ) );
		add_action( self::SWEEP_HOOK, array( self::class, 'run' ) );
		add_action( 'wp_ajax_' . self::KICK_ACTION, array( self::class, 'handle_kick' ) );
		add_action( 'wp_ajax_nopriv_' . self::KICK_ACTION, array( self::class, 'handle_kick' ) );
		if ( false === wp_next_scheduled( self::SWEEP_HOOK ) ) {
			// The safety net: even if every other trigger were lost, the queue moves hourly.
			wp_schedule_event( time() + HOUR_IN_SECONDS, 'hourly', self::SWEEP_HOOK );
		}
	}

	/**
	 * Seconds to wait after the n-th failure in a row: 15 s doubling up to an hour, with the
	 * upper half jittered so many shops do not retry in step.
	 *
	 * @param int $failures Failures in a row (1 for the first).
	 */
	public static function backoff( int $failures ): int {
		$base  = (int) apply_filters( 'catalog_sync_backoff_base', self::BACKOFF_BASE );
		$cap   = (int) apply_filters( 'catalog_sync_backoff_cap', self::BACKOFF_CAP );
		$delay = (int) min( $cap, $base * ( 2 ** min( 20, max( 0, $failures - 1 ) ) ) );
		$half  = intdiv( $delay, 2 );
		return max( 1, $delay - $half + wp_rand( 0, $half ) );
	}

	/**
	 * The sender's memory: failures in a row, when to retry, last error and last success.
	 *
	 * @return array{failures:int,retry_at:int,last_error:string,last_error_at:int,last_success_at:int}
	 */
	public static function state(): array {
		$state = get_option( self::STATE_OPTION, array() );
		return array_merge(
			array(
				'failures'        => 0,
				'retry_at'        => 0,
				'last_error'      => '',
				'last_error_at'   => 0,
				'last_success_at' => 0,
			),
			is_array( $state ) ? $state : array()
		);
	}

	/**
	 * How many events the server accepted in the last 24 hours (hourly buckets).
	 */
	public static function delivered_last_day(): int {
		$buckets = get_option( self::DELIVERED_OPTION, array() );
		$since   = time() - DAY_IN_SECONDS;
		$total   = 0;
		foreach ( is_array( $buckets ) ? $buckets : array() as $hour => $count ) {
			if ( (int) $hour > $since - HOUR_IN_SECONDS ) {
				$total += (int) $count;
			}
		}
		return $total;
	}

	/**
	 * Called at the end of a shop request that queued changes: make sure a sender will run,
	 * and start one now with a loopback request the shop does not wait for. Nothing here
	 * talks to the app.
	 */
	public static function after_request(): void {
		$state = self::state();
		if ( $state['retry_at'] > time() ) {
			self::schedule( $state['retry_at'] ); // The app is known to be away: wait for the retry.
			return;
		}
		self::schedule( time() );
		// A running sender reads the queue until it is empty: it will take this change too.
		if ( ! self::sending() ) {
			self::kick();
		}
	}

	/**
	 * Whether another process holds the sender's lock right now.
	 */
	private static function sending(): bool {
		global $wpdb;
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery
		return '0' === (string) $wpdb->get_var( $wpdb->prepare( 'SELECT IS_FREE_LOCK(%s)', self::lock_name() ) );
	}

	/**
	 * Starts a sender in another PHP process without waiting for it (as WP-Cron spawns itself).
	 */
	public static function kick(): void {
		if ( function_exists( 'fastcgi_finish_request' ) && doing_action( 'shutdown' ) ) {
			fastcgi_finish_request(); // The visitor has the response; the kick costs them nothing.
		}
		wp_remote_post(
			admin_url( 'admin-ajax.php' ),
			array(
				'blocking'  => false,
				'timeout'   => 0.01,
				'sslverify' => (bool) apply_filters( 'https_local_ssl_verify', false ),
				'body'      => array(
					'action' => self::KICK_ACTION,
					'key'    => self::kick_key(),
				),
			)
		);
	}

	/**
	 * The loopback request: runs the sender if the caller knows this site's kick key.
	 */
	public static function handle_kick(): void {
		$key = isset( $_POST['key'] ) ? sanitize_text_field( wp_unslash( $_POST['key'] ) ) : ''; // phpcs:ignore WordPress.Security.NonceVerification.Missing
		if ( ! hash_equals( self::kick_key(), $key ) ) {
			wp_die( '', '', array( 'response' => 403 ) );
		}
		ignore_user_abort( true );
		self::run();
		wp_die( '', '', array( 'response' => 200 ) );
	}

	/**
	 * Delivers what is due, batch after batch, for up to RUN_SECONDS; one sender at a time.
	 */
	public static function run(): void {
		$api = Catalog_Sync_Api::from_options();
		if ( null === $api ) {
			return;
		}
		Catalog_Sync_Outbox::install();
		$state = self::state();
		if ( $state['retry_at'] > time() ) {
			self::schedule( $state['retry_at'] );
			return;
		}
		if ( ! self::lock() ) {
			return;
		}
		$started = time();
		try {
			self::queue_resync_page();
			$deadline = time() + (int) apply_filters( 'catalog_sync_run_seconds', self::RUN_SECONDS );
			do {
				$rows = Catalog_Sync_Outbox::due( self::BATCH_SIZE );
				if ( ! $rows ) {
					break;
				}
				if ( ! self::deliver( $api, $rows ) ) {
					return;
				}
			} while ( time() < $deadline );
			if ( Catalog_Sync_Outbox::due( 1 ) || false !== get_option( self::RESYNC_OPTION, false ) ) {
				self::schedule( time() );
			}
		} finally {
			self::unlock();
		}
		// A change queued while this run was ending did not kick (the lock was held): kick now.
		if ( self::state()['retry_at'] <= time() && Catalog_Sync_Outbox::changed_since( $started ) ) {
			self::kick();
		}
	}

	/**
	 * Sends one batch and records each outcome.
	 *
	 * @param Catalog_Sync_Api                $api  Client.
	 * @param array<int,array<string,mixed>> $rows Outbox rows.
	 * @return bool False when the request failed as a whole (the queue is paused).
	 */
	private static function deliver( Catalog_Sync_Api $api, array $rows ): bool {
		$events = array();
		$sent   = array();
		$bytes  = 0;
		foreach ( $rows as $row ) {
			$event = self::event_for( $row );
			if ( null === $event ) {
				// Gone or not sendable (an auto-draft, a product without a name): nothing to say.
				Catalog_Sync_Outbox::delivered( (int) $row['product_id'], (string) $row['event_id'] );
				continue;
			}
			$size = strlen( (string) wp_json_encode( $event ) );
			if ( $events && $bytes + $size > self::MAX_BATCH_BYTES ) {
				break;
			}
			$bytes   += $size;
			$events[] = $event;
			$sent[]   = $row;
		}
		if ( ! $events ) {
			return true;
		}
		$outcomes = $api->send_batch( $events );
		if ( is_wp_error( $outcomes ) ) {
			self::failed( $sent, $outcomes->get_error_message() );
			return false;
		}
		$delivered = 0;
		foreach ( $sent as $row ) {
			$product_id = (int) $row['product_id'];
			$event_id   = (string) $row['event_id'];
			$outcome    = $outcomes[ $event_id ] ?? null;
			if ( null === $outcome ) {
				Catalog_Sync_Outbox::attempt_failed( $product_id, $event_id, __( 'The server did not answer for this event.', 'catalog-sync-woocommerce' ) );
			} elseif ( 'refused' === $outcome['status'] ) {
				Catalog_Sync_Outbox::refused( $product_id, $event_id, $outcome['reason'] );
			} else {
				Catalog_Sync_Outbox::delivered( $product_id, $event_id );
				++$delivered;
			}
		}
		self::succeeded( $delivered );
		return true;
	}

	/**
	 * The event body for an outbox row, built from the product as it is now (the newest state
	 * wins), or null when there is nothing to send.
	 *
	 * @param array<string,mixed> $row Outbox row.
	 * @return array<string,mixed>|null
	 */
	private static function event_for( array $row ): ?array {
		$product_id = (int) $row['product_id'];
		$type       = (string) $row['event_type'];
		if ( 'product.deleted' === $type ) {
			$payload = array( 'id' => $product_id );
		} else {
			// A long run has read this product before: drop this process's cached copy.
			clean_post_cache( $product_id );
			$product = catalog_sync_sendable_product( $product_id );
			if ( null === $product ) {
				return null;
			}
			$payload = catalog_sync_build_product_payload( $product );
		}
		return array(
			'event_id'    => (string) $row['event_id'],
			'event_type'  => $type,
			'occurred_at' => gmdate( 'Y-m-d\TH:i:s\Z', (int) $row['changed_at'] ),
			'product'     => $payload,
		);
	}

	/**
	 * The request failed as a whole: every event sent keeps waiting with the reason, the queue
	 * pauses, and events older than the retry window become failed.
	 *
	 * @param array<int,array<string,mixed>> $rows   Rows that were sent.
	 * @param string                         $reason Why.
	 */
	private static function failed( array $rows, string $reason ): void {
		foreach ( $rows as $row ) {
			Catalog_Sync_Outbox::attempt_failed( (int) $row['product_id'], (string) $row['event_id'], $reason );
		}
		Catalog_Sync_Outbox::give_up_older_than( (int) apply_filters( 'catalog_sync_retry_window', self::RETRY_WINDOW ) );
		$state                  = self::state();
		$state['failures']      = (int) $state['failures'] + 1;
		$state['retry_at']      = time() + self::backoff( $state['failures'] );
		$state['last_error']    = $reason;
		$state['last_error_at'] = time();
		update_option( self::STATE_OPTION, $state, false );
		self::schedule( $state['retry_at'] );
	}

	/**
	 * The server answered: the pause ends and the delivered events are counted.
	 *
	 * @param int $delivered Events accepted in this batch.
	 */
	private static function succeeded( int $delivered ): void {
		$state                    = self::state();
		$state['failures']        = 0;
		$state['retry_at']        = 0;
		$state['last_success_at'] = time();
		update_option( self::STATE_OPTION, $state, false );
		if ( $delivered > 0 ) {
			$buckets = get_option( self::DELIVERED_OPTION, array() );
			$buckets = is_array( $buckets ) ? $buckets : array();
			$hour    = time() - time() % HOUR_IN_SECONDS;
			$buckets = array_filter(
				$buckets,
				static function ( $key ) use ( $hour ) {
					return (int) $key > $hour - DAY_IN_SECONDS;
				},
				ARRAY_FILTER_USE_KEY
			);
			$buckets[ $hour ] = ( $buckets[ $hour ] ?? 0 ) + $delivered;
			update_option( self::DELIVERED_OPTION, $buckets, false );
		}
	}

	/**
	 * "Send all products": queue one page of published products per run, through the outbox.
	 */
	private static function queue_resync_page(): void {
		$page = get_option( self::RESYNC_OPTION, false );
		if ( false === $page ) {
			return;
		}
		$ids = get_posts(
			array(
				'post_type'      => 'product',
				'post_status'    => 'publish',
				'fields'         => 'ids',
				'orderby'        => 'ID',
				'order'          => 'ASC',
				'posts_per_page' => self::RESYNC_PAGE_SIZE,
				'paged'          => max( 1, (int) $page ),
				'no_found_rows'  => true,
			)
		);
		foreach ( $ids as $id ) {
			Catalog_Sync_Outbox::put( (int) $id, 'product.updated' );
		}
		if ( count( $ids ) < self::RESYNC_PAGE_SIZE ) {
			delete_option( self::RESYNC_OPTION );
		} else {
			update_option( self::RESYNC_OPTION, (int) $page + 1, false );
		}
	}

	/**
	 * Makes sure the sender runs at $at or earlier (Action Scheduler if present, else WP-Cron).
	 *
	 * @param int $at Unix time.
	 */
	public static function schedule( int $at ): void {
		if ( function_exists( 'as_schedule_single_action' ) && function_exists( 'as_get_scheduled_actions' ) ) {
			$next = self::next_pending_action();
			if ( null !== $next && $next <= $at ) {
				return;
			}
			if ( null !== $next ) {
				as_unschedule_action( self::HOOK, array(), self::GROUP ); // the earliest pending one
			}
			as_schedule_single_action( $at, self::HOOK, array(), self::GROUP );
			return;
		}
		$next = wp_next_scheduled( self::HOOK );
		if ( false !== $next && $next <= $at ) {
			return;
		}
		if ( false !== $next ) {
			wp_unschedule_event( $next, self::HOOK );
		}
		wp_schedule_single_event( $at, self::HOOK );
	}

	/**
	 * When Action Scheduler's earliest pending run of the sender is due (0: as soon as it can),
	 * or null when none is pending.
	 *
	 * Not as_next_scheduled_action(): it answers true while a matching action is running, and
	 * a sender started by Action Scheduler that schedules its retry or its continuation is that
	 * running action, so the new run would never be scheduled.
	 */
	private static function next_pending_action(): ?int {
		$actions = as_get_scheduled_actions(
			array(
				'hook'     => self::HOOK,
				'args'     => array(),
				'group'    => self::GROUP,
				'status'   => 'pending', // ActionScheduler_Store::STATUS_PENDING.
				'orderby'  => 'date',
				'order'    => 'ASC',
				'per_page' => 1,
			)
		);
		foreach ( $actions as $action ) {
			$date = $action->get_schedule()->get_date();
			return $date ? (int) $date->format( 'U' ) : 0;
		}
		return null;
	}

	/**
	 * One sender at a time: a MySQL named lock, released by the database if PHP dies.
	 */
	private static function lock(): bool {
		global $wpdb;
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery
		return '1' === (string) $wpdb->get_var( $wpdb->prepare( 'SELECT GET_LOCK(%s, 0)', self::lock_name() ) );
	}

	/**
	 * Releases the lock taken by lock().
	 */
	private static function unlock(): void {
		global $wpdb;
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery
		$wpdb->get_var( $wpdb->prepare( 'SELECT RELEASE_LOCK(%s)', self::lock_name() ) );
	}

	/**
	 * The lock's name, per site of a network and per database.
	 */
	private static function lock_name(): string {
		global $wpdb;
		return substr( self::LOCK_OPTION . '_' . $wpdb->prefix, 0, 64 );
	}

	/**
	 * A per-site secret so only this site starts its sender through the loopback.
	 */
	private static function kick_key(): string {
		$key = (string) get_option( self::KICK_KEY_OPTION, '' );
		if ( '' === $key ) {
			$key = wp_generate_password( 32, false );
			add_option( self::KICK_KEY_OPTION, $key, '', true );
			$key = (string) get_option( self::KICK_KEY_OPTION, $key );
		}
		return $key;
	}
}
