<?php
/**
 * The durable outbox: one row per product waiting to be sent, in the plugin's own table.
 *
 * @package CatalogSync
 */

defined( 'ABSPATH' ) || exit;

/**
 * Rows are written in the request that changed the product, so nothing is lost when the app is
 * down; a product changed again before it was sent keeps one row (the newest change wins, with
 * a fresh event id). The background sender reads due rows and removes a row only if it still
 * holds the event id it sent (a change made meanwhile stays queued).
 *
 * States: waiting (to be sent, maybe after failed attempts), failed (still undelivered when the
 * retry window closed) and refused (the server answered that this event is invalid).
 */
final class Catalog_Sync_Outbox {

	const TABLE            = 'catalog_sync_outbox';
	const DB_VERSION       = '1';
	const DB_VERSION_OPTION = 'catalog_sync_db_version';
	const WAITING          = 'waiting';
	const FAILED           = 'failed';
	const REFUSED          = 'refused';

	/**
	 * The table's full name on this site.
	 */
	public static function table(): string {
		global $wpdb;
		return $wpdb->prefix . self::TABLE;
	}

	/**
	 * Creates or upgrades the table; cheap when it is current (one autoloaded option).
	 */
	public static function install(): void {
		global $wpdb;
		if ( self::DB_VERSION === get_option( self::DB_VERSION_OPTION ) ) {
			return;
		}
		$table   = self::table();
		$charset = $wpdb->get_charset_collate();
		require_once ABSPATH . 'wp-admin/includes/upgrade.php';
		dbDelta(
			"CREATE TABLE {$table} (
  product_id bigint(20) unsigned NOT NULL,
  event_type varchar(32) NOT NULL,
  event_id varchar(191) NOT NULL,
  state varchar(16) NOT NULL DEFAULT 'waiting',
  attempts int(11) NOT NULL DEFAULT 0,
  queued_at bigint(20) NOT NULL,
  changed_at bigint(20) NOT NULL,
  last_error text NOT NULL,
  PRIMARY KEY  (product_id),
  KEY state_changed (state,changed_at)
) {$charset};"
		);
		update_option( self::DB_VERSION_OPTION, self::DB_VERSION, true );
	}

	/**
	 * Queues a change. A waiting creation stays a creation when updates follow; a deletion
	 * always wins; a failed or refused row starts over as waiting.
	 *
	 * @param int    $product_id WooCommerce product id.
	 * @param string $event_type product.created, product.updated or product.deleted.
	 */
	public static function put( int $product_id, string $event_type ): void {
		global $wpdb;
		$table    = self::table();
		$now      = time();
		$event_id = Catalog_Sync_Api::new_event_id( $product_id );
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery
		$row = $wpdb->get_row( $wpdb->prepare( "SELECT event_type, state, queued_at FROM {$table} WHERE product_id = %d", $product_id ), ARRAY_A );
		if ( is_array( $row ) && self::WAITING === $row['state'] && 'product.created' === $row['event_type'] && 'product.updated' === $event_type ) {
			$event_type = 'product.created';
		}
		$queued_at = is_array( $row ) && self::WAITING === $row['state'] ? (int) $row['queued_at'] : $now;
		$values    = array(
			'event_type' => $event_type,
			'event_id'   => $event_id,
			'state'      => self::WAITING,
			'queued_at'  => $queued_at,
			'changed_at' => $now,
			'last_error' => '',
		);
		$formats   = array( '%s', '%s', '%s', '%d', '%d', '%s' );
		// Update first, insert if there was nothing to update, update again if a concurrent
		// request inserted in between: every path leaves one row with this change.
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery
		if ( $wpdb->update( $table, $values, array( 'product_id' => $product_id ), $formats, array( '%d' ) ) ) {
			return;
		}
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery
		$inserted = $wpdb->query(
			$wpdb->prepare(
				"INSERT IGNORE INTO {$table} (product_id, event_type, event_id, state, attempts, queued_at, changed_at, last_error) VALUES (%d, %s, %s, %s, 0, %d, %d, '')",
				$product_id,
				$event_type,
				$event_id,
				self::WAITING,
				$queued_at,
				$now
			)
		);
		if ( ! $inserted ) {
			// phpcs:ignore WordPress.DB.DirectDatabaseQuery
			$wpdb->update( $table, $values, array( 'product_id' => $product_id ), $formats, array( '%d' ) );
		}
	}

	/**
	 * Waiting rows, oldest change first.
	 *
	 * @param int $limit How many.
	 * @return array<int,array<string,mixed>>
	 */
	public static function due( int $limit ): array {
		global $wpdb;
		$table = self::table();
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery
		$rows = $wpdb->get_results( $wpdb->prepare( "SELECT * FROM {$table} WHERE state = %s ORDER BY changed_at, product_id LIMIT %d", self::WAITING, $limit ), ARRAY_A );
		return is_array( $rows ) ? $rows : array();
	}

	/**
	 * Whether a waiting row changed at or after this time (a change made during a run).
	 *
	 * @param int $since Unix time.
	 */
	public static function changed_since( int $since ): bool {
		global $wpdb;
		$table = self::table();
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery
		return null !== $wpdb->get_var( $wpdb->prepare( "SELECT product_id FROM {$table} WHERE state = %s AND changed_at >= %d LIMIT 1", self::WAITING, $since ) );
	}

	/**
	 * The server has the event: the row goes, unless the product changed since it was read.
	 *
	 * @param int    $product_id Product.
	 * @param string $event_id   The event id that was sent.
	 */
	public static function delivered( int $product_id, string $event_id ): void {
		global $wpdb;
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery
		$wpdb->delete(
			self::table(),
			array(
				'product_id' => $product_id,
				'event_id'   => $event_id,
			),
			array( '%d', '%s' )
		);
	}

	/**
	 * The server refused the event: kept, listed with the server's reason, never retried alone.
	 *
	 * @param int    $product_id Product.
	 * @param string $event_id   The event id that was sent.
	 * @param string $reason     The server's reason.
	 */
	public static function refused( int $product_id, string $event_id, string $reason ): void {
		self::mark( $product_id, $event_id, self::REFUSED, $reason, 1 );
	}

	/**
	 * The attempt failed for a reason not tied to this event (the app was down, slow, ...).
	 *
	 * @param int    $product_id Product.
	 * @param string $event_id   The event id that was sent.
	 * @param string $reason     What went wrong.
	 */
	public static function attempt_failed( int $product_id, string $event_id, string $reason ): void {
		self::mark( $product_id, $event_id, self::WAITING, $reason, 1 );
	}

	/**
	 * Rows still undelivered after the retry window become failed (listed, re-sendable).
	 *
	 * @param int $window_seconds The retry window.
	 * @return int How many rows gave up.
	 */
	public static function give_up_older_than( int $window_seconds ): int {
		global $wpdb;
		$table = self::table();
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery
		return (int) $wpdb->query( $wpdb->prepare( "UPDATE {$table} SET state = %s WHERE state = %s AND attempts > 0 AND queued_at < %d", self::FAILED, self::WAITING, time() - $window_seconds ) );
	}

	/**
	 * Puts failed and refused rows back in the queue (all of them, or one product's).
	 *
	 * @param int|null $product_id One product, or null for all.
	 * @return int How many rows were re-queued.
	 */
	public static function resend( ?int $product_id = null ): int {
		global $wpdb;
		$table = self::table();
		$sql   = "UPDATE {$table} SET state = %s, attempts = 0, queued_at = %d WHERE state IN (%s, %s)";
		$args  = array( self::WAITING, time(), self::FAILED, self::REFUSED );
		if ( null !== $product_id ) {
			$sql   .= ' AND product_id = %d';
			$args[] = $product_id;
		}
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery,WordPress.DB.PreparedSQL.NotPrepared
		return (int) $wpdb->query( $wpdb->prepare( $sql, $args ) );
	}

	/**
	 * How many rows are in each state, and since when the oldest waiting one waits.
	 *
	 * @return array{waiting:int,retrying:int,failed:int,refused:int,oldest_waiting:int}
	 */
	public static function summary(): array {
		global $wpdb;
		$table = self::table();
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery
		$rows    = $wpdb->get_results( "SELECT state, attempts > 0 AS retrying, COUNT(*) AS n, MIN(queued_at) AS oldest FROM {$table} GROUP BY state, attempts > 0", ARRAY_A );
		$summary = array(
			'waiting'        => 0,
			'retrying'       => 0,
			'failed'         => 0,
			'refused'        => 0,
			'oldest_waiting' => 0,
		);
		foreach ( is_array( $rows ) ? $rows : array() as $row ) {
			$state = (string) $row['state'];
			if ( self::WAITING === $state ) {
				$summary[ (int) $row['retrying'] ? 'retrying' : 'waiting' ] += (int) $row['n'];
				$oldest                    = (int) $row['oldest'];
				$summary['oldest_waiting'] = $summary['oldest_waiting'] ? min( $summary['oldest_waiting'], $oldest ) : $oldest;
			} elseif ( isset( $summary[ $state ] ) ) {
				$summary[ $state ] += (int) $row['n'];
			}
		}
		return $summary;
	}

	/**
	 * Rows in the given states, for the settings page.
	 *
	 * @param string[] $states States to list.
	 * @param int      $limit  How many.
	 * @return array<int,array<string,mixed>>
	 */
	public static function listing( array $states, int $limit ): array {
		global $wpdb;
		$table        = self::table();
		$placeholders = implode( ', ', array_fill( 0, count( $states ), '%s' ) );
		$args         = array_merge( $states, array( $limit ) );
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery,WordPress.DB.PreparedSQL.InterpolatedNotPrepared
		$rows = $wpdb->get_results( $wpdb->prepare( "SELECT * FROM {$table} WHERE state IN ({$placeholders}) ORDER BY changed_at DESC LIMIT %d", $args ), ARRAY_A );
		return is_array( $rows ) ? $rows : array();
	}

	/**
	 * Sets a row's state and reason if it still holds the event id that was sent.
	 *
	 * @param int    $product_id Product.
	 * @param string $event_id   Event id sent.
	 * @param string $state      New state.
	 * @param string $reason     Last error.
	 * @param int    $attempts   Attempts to add.
	 */
	private static function mark( int $product_id, string $event_id, string $state, string $reason, int $attempts ): void {
		global $wpdb;
		$table = self::table();
		// phpcs:ignore WordPress.DB.DirectDatabaseQuery
		$wpdb->query(
			$wpdb->prepare(
				"UPDATE {$table} SET state = %s, attempts = attempts + %d, last_error = %s WHERE product_id = %d AND event_id = %s",
				$state,
				$attempts,
				substr( $reason, 0, 2000 ),
				$product_id,
				$event_id
			)
		);
	}
}
