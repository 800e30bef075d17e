<?php
/**
 * uninstall.php removes the options, the transients and the scheduled sends.
 *
 * @package CatalogSync\Tests
 */

/** Records the queries uninstall.php runs. */
final class CS_Fake_Wpdb {
	/** @var string */
	public $options = 'wp_options';
	/** @var string */
	public $prefix = 'wp_';
	/** @var string[] */
	public $queries = array();

	public function esc_like( string $text ): string {
		return addcslashes( $text, '_%\\' );
	}

	public function prepare( string $query, ...$args ): string {
		return vsprintf( str_replace( '%s', "'%s'", $query ), $args );
	}

	public function query( string $query ): int {
		$this->queries[] = $query;
		return 3;
	}
}

final class UninstallTest extends CS_TestCase {

	/**
	 * @runInSeparateProcess
	 * @preserveGlobalState disabled
	 */
	public function test_uninstall_removes_options_transients_cron_and_scheduled_actions(): void {
		global $wpdb;
		$wpdb = new CS_Fake_Wpdb();
		$this->configure();
		CS_WP::$options['woocommerce_currency'] = 'USD';
		CS_WP::$cron['catalog_sync_flush_product|[414]'] = time() + 30;
		CS_WP::$cron['catalog_sync_send|[]']             = time() + 30;
		CS_WP::$cron['catalog_sync_sweep|[]']            = time() + 3600;
		CS_WP::$options['catalog_sync_sender_state']     = array( 'failures' => 2 );
		CS_WP::$options['catalog_sync_kick_key']         = 'k3y';
		CS_WP::$options['catalog_sync_db_version']       = '1';
		CS_WP::$cron['other_plugin_hook|[]']             = time() + 60;
		require_once __DIR__ . '/stubs/action-scheduler.php'; // WooCommerce's Action Scheduler
		$now = time();
		as_schedule_single_action( $now + 30, 'catalog_sync_send', array(), 'catalog-sync' );
		as_schedule_single_action( $now + 90, 'catalog_sync_send', array(), 'catalog-sync' );
		as_schedule_single_action( $now + 60, 'other_plugin_hook', array(), 'other' );
		define( 'WP_UNINSTALL_PLUGIN', 'catalog-sync-woocommerce/catalog-sync-woocommerce.php' );

		require dirname( __DIR__, 2 ) . '/wordpress-plugin/catalog-sync-woocommerce/uninstall.php';

		$this->assertSame( array( 'woocommerce_currency' => 'USD' ), CS_WP::$options );
		$this->assertSame( array( 'other_plugin_hook|[]' ), array_keys( CS_WP::$cron ) );
		$this->assertSame( array( array( 'other_plugin_hook', 'other', $now + 60 ) ), CS_AS::pending() );
		$this->assertSame(
			array( 'DROP TABLE IF EXISTS wp_catalog_sync_outbox', "DELETE FROM wp_options WHERE option_name LIKE '\\_transient\\_catalog\\_sync\\_%' OR option_name LIKE '\\_transient\\_timeout\\_catalog\\_sync\\_%'" ),
			$wpdb->queries
		);
	}
}
