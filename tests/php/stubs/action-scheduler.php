<?php
/**
 * Loaded only by tests that want Action Scheduler (WooCommerce bundles it): its public
 * functions over an in-memory list of actions, answering as its documentation says.
 *
 * - as_next_scheduled_action(): true while a matching action is running (or an async one
 *   waits), else the earliest pending one's time, else false;
 * - as_unschedule_action(): cancels the earliest pending match;
 * - as_get_scheduled_actions(): filters by hook, args, group and status, ordered by date.
 *
 * CS_AS::run_due() plays the queue runner: each due action is "in-progress" while its hook
 * runs (through do_action, as Action Scheduler does), then "complete".
 *
 * @package CatalogSync\Tests
 */

final class CS_AS {
	/** @var array<int,array{hook:string,args:array<mixed>,group:string,at:int,status:string}> */
	public static $actions = array();

	public static function reset(): void {
		self::$actions = array();
	}

	/**
	 * Pending actions as [hook, group, time], in the order they were scheduled.
	 *
	 * @return array<int,array{0:string,1:string,2:int}>
	 */
	public static function pending(): array {
		$pending = array();
		foreach ( self::$actions as $action ) {
			if ( 'pending' === $action['status'] ) {
				$pending[] = array( $action['hook'], $action['group'], $action['at'] );
			}
		}
		return $pending;
	}

	/**
	 * Runs every pending action due at $now, earliest first; returns how many ran.
	 */
	public static function run_due( int $now ): int {
		$due = array_filter(
			self::$actions,
			static function ( array $action ) use ( $now ): bool {
				return 'pending' === $action['status'] && $action['at'] <= $now;
			}
		);
		uasort(
			$due,
			static function ( array $a, array $b ): int {
				return $a['at'] <=> $b['at'];
			}
		);
		foreach ( array_keys( $due ) as $id ) {
			self::$actions[ $id ]['status'] = 'in-progress';
			do_action( self::$actions[ $id ]['hook'], ...self::$actions[ $id ]['args'] );
			self::$actions[ $id ]['status'] = 'complete';
		}
		return count( $due );
	}

	/**
	 * Ids of actions matching a query, earliest first.
	 *
	 * @param array<string,mixed> $query hook, args (null: any), group, status.
	 * @return int[]
	 */
	public static function find( array $query ): array {
		$ids = array();
		foreach ( self::$actions as $id => $action ) {
			if ( isset( $query['hook'] ) && $query['hook'] !== $action['hook'] ) {
				continue;
			}
			if ( isset( $query['args'] ) && $query['args'] !== $action['args'] ) {
				continue;
			}
			if ( ! empty( $query['group'] ) && $query['group'] !== $action['group'] ) {
				continue;
			}
			if ( isset( $query['status'] ) && $query['status'] !== $action['status'] ) {
				continue;
			}
			$ids[] = $id;
		}
		usort(
			$ids,
			static function ( int $a, int $b ): int {
				return array( self::$actions[ $a ]['at'], $a ) <=> array( self::$actions[ $b ]['at'], $b );
			}
		);
		return $ids;
	}
}

/** What as_get_scheduled_actions() returns per action: enough for get_schedule()->get_date(). */
final class CS_AS_Action {
	/** @var int */
	private $at;

	public function __construct( int $at ) {
		$this->at = $at;
	}

	public function get_schedule(): CS_AS_Action {
		return $this;
	}

	public function get_date(): DateTime {
		return new DateTime( '@' . $this->at );
	}
}

function as_schedule_single_action( $timestamp, $hook, $args = array(), $group = '', $unique = false, $priority = 10 ): int {
	CS_AS::$actions[] = array(
		'hook'   => $hook,
		'args'   => $args,
		'group'  => $group,
		'at'     => (int) $timestamp,
		'status' => 'pending',
	);
	return array_key_last( CS_AS::$actions );
}

function as_next_scheduled_action( $hook, $args = null, $group = '' ) {
	$query = array(
		'hook'  => $hook,
		'args'  => $args,
		'group' => $group,
	);
	if ( CS_AS::find( $query + array( 'status' => 'in-progress' ) ) ) {
		return true;
	}
	$pending = CS_AS::find( $query + array( 'status' => 'pending' ) );
	return $pending ? CS_AS::$actions[ $pending[0] ]['at'] : false;
}

function as_unschedule_action( $hook, $args = array(), $group = '' ) {
	$pending = CS_AS::find(
		array(
			'hook'   => $hook,
			'args'   => $args,
			'group'  => $group,
			'status' => 'pending',
		)
	);
	if ( ! $pending ) {
		return null;
	}
	CS_AS::$actions[ $pending[0] ]['status'] = 'canceled';
	return $pending[0];
}

function as_unschedule_all_actions( $hook, $args = array(), $group = '' ): void {
	while ( null !== as_unschedule_action( $hook, $args, $group ) ) {
		continue;
	}
}

function as_get_scheduled_actions( $args = array(), $return_format = 'OBJECT' ): array {
	$ids     = array_slice( CS_AS::find( $args ), 0, (int) ( $args['per_page'] ?? 5 ) );
	$actions = array();
	foreach ( $ids as $id ) {
		$actions[ $id ] = 'ids' === $return_format ? $id : new CS_AS_Action( CS_AS::$actions[ $id ]['at'] );
	}
	return 'ids' === $return_format ? array_values( $actions ) : $actions;
}
