<?php
/**
 * What the plugin hooks into, configured or not, with WooCommerce or without.
 *
 * @package CatalogSync\Tests
 */

final class BootTest extends CS_TestCase {

	const ADMIN_HOOKS = array(
		'admin_init',
		'admin_menu',
		'admin_notices',
		'admin_post_catalog_sync_resend',
		'admin_post_catalog_sync_resync',
		'admin_post_catalog_sync_send_now',
		'admin_post_catalog_sync_test_connection',
		'option_page_capability_catalog_sync',
	);

	const PRODUCT_HOOKS = array(
		'before_delete_post',
		'catalog_sync_send',
		'catalog_sync_sweep',
		'transition_post_status',
		'untrashed_post',
		'woocommerce_new_product',
		'woocommerce_product_set_stock',
		'woocommerce_update_product',
		'woocommerce_variation_set_stock',
		'wp_ajax_catalog_sync_kick',
		'wp_ajax_nopriv_catalog_sync_kick',
		'wp_trash_post',
	);

	public function test_loading_the_plugin_only_waits_for_plugins_loaded(): void {
		$this->assertSame(
			array( 'activate_catalog-sync-woocommerce.php', 'before_woocommerce_init', 'init', 'plugins_loaded' ),
			$GLOBALS['cs_hooks_after_load']
		);
	}

	public function test_unconfigured_plugin_registers_nothing_on_the_front_end(): void {
		require_once __DIR__ . '/stubs/woocommerce.php';

		catalog_sync_boot();

		$this->assertSame( array(), CS_WP::hook_names() );
	}

	public function test_unconfigured_plugin_registers_only_its_settings_page_in_the_admin(): void {
		require_once __DIR__ . '/stubs/woocommerce.php';
		CS_WP::$is_admin                               = true;
		CS_WP::$options[ CATALOG_SYNC_OPTION_API_URL ] = self::API_URL;

		catalog_sync_boot();

		$this->assertSame( self::ADMIN_HOOKS, CS_WP::hook_names() );
	}

	public function test_configured_plugin_registers_the_product_hooks_creates_its_table_and_the_hourly_sweep(): void {
		require_once __DIR__ . '/stubs/woocommerce.php';
		$this->configure();

		catalog_sync_boot();

		$this->assertSame( self::PRODUCT_HOOKS, CS_WP::hook_names() );
		$this->assertSame( array(), CS_WP::outbox() ); // the table exists
		$this->assertSame( '1', CS_WP::$options['catalog_sync_db_version'] );
		$this->assertArrayHasKey( 'catalog_sync_sweep|[]', CS_WP::$cron );
	}

	public function test_translations_load_from_the_languages_folder(): void {
		catalog_sync_load_textdomain();

		$this->assertSame( 'catalog-sync-woocommerce/languages', CS_WP::$options['cs_textdomain_path'] );
		$this->assertFileExists( CATALOG_SYNC_PLUGIN_DIR . 'languages/catalog-sync-woocommerce.pot' );
		$this->assertStringContainsString( 'Domain Path:          /languages', (string) file_get_contents( CATALOG_SYNC_PLUGIN_FILE ) );
	}

	public function test_configured_plugin_in_the_admin_has_both(): void {
		require_once __DIR__ . '/stubs/woocommerce.php';
		$this->configure();
		CS_WP::$is_admin = true;

		catalog_sync_boot();

		$expected = array_merge( self::ADMIN_HOOKS, self::PRODUCT_HOOKS );
		sort( $expected );
		$this->assertSame( $expected, CS_WP::hook_names() );
	}

	public function test_activation_with_woocommerce_does_nothing(): void {
		require_once __DIR__ . '/stubs/woocommerce.php';

		catalog_sync_activate();

		$this->assertSame( array(), CS_WP::$deactivated );
	}

	/**
	 * @runInSeparateProcess
	 * @preserveGlobalState disabled
	 */
	public function test_without_woocommerce_activation_is_refused_with_a_message(): void {
		try {
			catalog_sync_activate();
			$this->fail( 'wp_die was not called' );
		} catch ( CS_Died $died ) {
			$this->assertStringStartsWith( 'Catalog Sync for WooCommerce needs WooCommerce.', $died->getMessage() );
			$this->assertTrue( $died->args['back_link'] );
		}
		$this->assertSame( array( 'catalog-sync-woocommerce/catalog-sync-woocommerce.php' ), CS_WP::$deactivated );
	}

	/**
	 * @runInSeparateProcess
	 * @preserveGlobalState disabled
	 */
	public function test_without_woocommerce_the_plugin_deactivates_itself_with_a_notice(): void {
		$this->configure();
		CS_WP::$is_admin  = true;
		CS_WP::$caps      = array( 'activate_plugins' );
		$_GET['activate'] = 'true';

		catalog_sync_boot();
		$this->assertSame( array( 'admin_init', 'admin_notices' ), CS_WP::hook_names() );

		do_action( 'admin_init' );
		ob_start();
		do_action( 'admin_notices' );
		$html = (string) ob_get_clean();

		$this->assertSame( array( 'catalog-sync-woocommerce/catalog-sync-woocommerce.php' ), CS_WP::$deactivated );
		$this->assertArrayNotHasKey( 'activate', $_GET );
		$this->assertSame( '<div class="notice notice-error"><p>Catalog Sync for WooCommerce has been deactivated because WooCommerce is not active.</p></div>', $html );
	}

	/**
	 * @runInSeparateProcess
	 * @preserveGlobalState disabled
	 */
	public function test_without_woocommerce_a_background_request_does_not_deactivate_silently(): void {
		$this->configure();
		CS_WP::$is_admin   = true;
		CS_WP::$caps       = array( 'activate_plugins' );
		CS_WP::$doing_ajax = true; // a Heartbeat call

		catalog_sync_boot();
		do_action( 'admin_init' );
		$this->assertSame( array(), CS_WP::$deactivated );

		CS_WP::$doing_ajax   = false;
		$GLOBALS['pagenow'] = 'admin-post.php';
		do_action( 'admin_init' );
		$this->assertSame( array(), CS_WP::$deactivated );

		$GLOBALS['pagenow'] = 'index.php'; // the next page with notices
		do_action( 'admin_init' );
		$this->assertSame( array( 'catalog-sync-woocommerce/catalog-sync-woocommerce.php' ), CS_WP::$deactivated );
	}
}
