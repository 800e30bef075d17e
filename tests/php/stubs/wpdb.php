<?php
/**
 * A wpdb stand-in on an in-memory SQLite database, so the outbox's SQL runs for real.
 *
 * Only the few MySQL spellings the plugin uses are translated: INSERT IGNORE, GET_LOCK,
 * RELEASE_LOCK and IS_FREE_LOCK (named locks are kept in this object), and dbDelta()'s CREATE TABLE.
 *
 * @package CatalogSync\Tests
 */

define( 'ARRAY_A', 'ARRAY_A' );

final class CS_Wpdb {
	/** @var string */
	public $prefix = 'wp_';
	/** @var string */
	public $options = 'wp_options';
	/** @var PDO */
	public $pdo;
	/** @var string[] Every statement run, in order. */
	public $queries = array();
	/** @var array<string,bool> Named locks held. */
	public $locks = array();

	public function __construct() {
		$this->pdo = new PDO( 'sqlite::memory:' );
		$this->pdo->setAttribute( PDO::ATTR_ERRMODE, PDO::ERRMODE_EXCEPTION );
	}

	public function get_charset_collate(): string {
		return 'DEFAULT CHARSET=utf8mb4';
	}

	public function esc_like( string $text ): string {
		return addcslashes( $text, '_%\\' );
	}

	/**
	 * @param string $query SQL with %d, %s and %f.
	 * @param mixed  ...$args Values, or one array of values.
	 */
	public function prepare( string $query, ...$args ): string {
		if ( 1 === count( $args ) && is_array( $args[0] ) ) {
			$args = $args[0];
		}
		$pdo = $this->pdo;
		$i   = 0;
		return preg_replace_callback(
			'/%[dsf]/',
			static function ( array $m ) use ( &$i, $args, $pdo ): string {
				$value = $args[ $i++ ];
				if ( '%d' === $m[0] ) {
					return (string) (int) $value;
				}
				if ( '%f' === $m[0] ) {
					return (string) (float) $value;
				}
				return $pdo->quote( (string) $value );
			},
			$query
		);
	}

	/**
	 * @return int|bool Rows affected, or the lock answer.
	 */
	public function query( string $query ) {
		$this->queries[] = $query;
		$sql             = str_replace( 'INSERT IGNORE', 'INSERT OR IGNORE', $query );
		return $this->pdo->exec( $sql );
	}

	public function get_var( string $query ) {
		$this->queries[] = $query;
		if ( preg_match( "/SELECT (GET_LOCK|RELEASE_LOCK|IS_FREE_LOCK)\\('([^']+)'/", $query, $m ) ) {
			if ( 'IS_FREE_LOCK' === $m[1] ) {
				return isset( $this->locks[ $m[2] ] ) ? '0' : '1';
			}
			if ( 'RELEASE_LOCK' === $m[1] ) {
				unset( $this->locks[ $m[2] ] );
				return '1';
			}
			if ( isset( $this->locks[ $m[2] ] ) ) {
				return '0';
			}
			$this->locks[ $m[2] ] = true;
			return '1';
		}
		$value = $this->pdo->query( $query )->fetchColumn();
		return false === $value ? null : (string) $value;
	}

	public function get_row( string $query, $output = ARRAY_A ) {
		$rows = $this->get_results( $query, $output );
		return $rows ? $rows[0] : null;
	}

	public function get_results( string $query, $output = ARRAY_A ): array {
		$this->queries[] = $query;
		return array_map(
			static function ( array $row ): array {
				return array_map( 'strval', $row ); // MySQL hands every value back as a string.
			},
			$this->pdo->query( $query )->fetchAll( PDO::FETCH_ASSOC )
		);
	}

	public function update( string $table, array $data, array $where, $format = null, $where_format = null ) {
		$set = implode( ', ', array_map( static function ( $k ) { return "$k = ?"; }, array_keys( $data ) ) );
		$cond = implode( ' AND ', array_map( static function ( $k ) { return "$k = ?"; }, array_keys( $where ) ) );
		$this->queries[] = "UPDATE $table SET $set WHERE $cond";
		$stmt = $this->pdo->prepare( "UPDATE $table SET $set WHERE $cond" );
		$stmt->execute( array_merge( array_values( $data ), array_values( $where ) ) );
		return $stmt->rowCount();
	}

	public function delete( string $table, array $where, $where_format = null ) {
		$cond = implode( ' AND ', array_map( static function ( $k ) { return "$k = ?"; }, array_keys( $where ) ) );
		$this->queries[] = "DELETE FROM $table WHERE $cond";
		$stmt = $this->pdo->prepare( "DELETE FROM $table WHERE $cond" );
		$stmt->execute( array_values( $where ) );
		return $stmt->rowCount();
	}
}

/**
 * dbDelta() for the outbox: the same columns, in SQLite's words.
 *
 * @param string $sql CREATE TABLE statement.
 */
function dbDelta( string $sql ): array {
	global $wpdb;
	if ( ! preg_match( '/CREATE TABLE (\S+)/', $sql, $m ) ) {
		return array();
	}
	$wpdb->queries[] = 'dbDelta ' . $m[1];
	$wpdb->pdo->exec(
		"CREATE TABLE IF NOT EXISTS {$m[1]} (
			product_id INTEGER NOT NULL PRIMARY KEY,
			event_type TEXT NOT NULL,
			event_id TEXT NOT NULL,
			state TEXT NOT NULL DEFAULT 'waiting',
			attempts INTEGER NOT NULL DEFAULT 0,
			queued_at INTEGER NOT NULL,
			changed_at INTEGER NOT NULL,
			last_error TEXT NOT NULL
		)"
	);
	return array( $m[1] => 'Created table ' . $m[1] );
}
