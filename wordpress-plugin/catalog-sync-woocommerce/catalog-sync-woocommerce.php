<?php
/**
 * Plugin Name:          Catalog Sync for WooCommerce
 * Description:          Sends WooCommerce product changes to Catalog Sync within seconds, so your catalogs stay current between scheduled syncs.
 * Version:              1.1.1
 * Requires at least:    6.0
 * Requires PHP:         7.4
 * Requires Plugins:     woocommerce
 * Author:               Catalog Sync
 * License:              GPL-2.0-or-later
 * License URI:          https://www.gnu.org/licenses/gpl-2.0.html
 * Text Domain:          catalog-sync-woocommerce
 * Domain Path:          /languages
 * WC requires at least: 7.0
 * WC tested up to:      9.4
 *
 * @package CatalogSync
 */

defined( 'ABSPATH' ) || exit;

define( 'CATALOG_SYNC_VERSION', '1.1.1' );
define( 'CATALOG_SYNC_PLUGIN_FILE', __FILE__ );
define( 'CATALOG_SYNC_PLUGIN_DIR', __DIR__ . '/' );
define( 'CATALOG_SYNC_OPTION_API_URL', 'catalog_sync_api_url' );
define( 'CATALOG_SYNC_OPTION_TOKEN', 'catalog_sync_token' );
define( 'CATALOG_SYNC_OPTION_TOKEN_URL', 'catalog_sync_token_url' );

require_once CATALOG_SYNC_PLUGIN_DIR . 'includes/helpers.php';
require_once CATALOG_SYNC_PLUGIN_DIR . 'includes/class-catalog-sync-api.php';
require_once CATALOG_SYNC_PLUGIN_DIR . 'includes/class-catalog-sync-outbox.php';
require_once CATALOG_SYNC_PLUGIN_DIR . 'includes/class-catalog-sync-sender.php';
require_once CATALOG_SYNC_PLUGIN_DIR . 'includes/class-catalog-sync-hooks.php';
require_once CATALOG_SYNC_PLUGIN_DIR . 'includes/class-catalog-sync-settings.php';

register_activation_hook( __FILE__, 'catalog_sync_activate' );
add_action( 'plugins_loaded', 'catalog_sync_boot' );
add_action( 'init', 'catalog_sync_load_textdomain' );
add_action( 'before_woocommerce_init', 'catalog_sync_declare_hpos_compatibility' );

/**
 * Refuses activation without WooCommerce: the plugin only listens to WooCommerce products.
 */
function catalog_sync_activate(): void {
	if ( catalog_sync_woocommerce_active() ) {
		Catalog_Sync_Outbox::install();
		return;
	}
	deactivate_plugins( plugin_basename( CATALOG_SYNC_PLUGIN_FILE ) );
	wp_die(
		esc_html__( 'Catalog Sync for WooCommerce needs WooCommerce. Install and activate WooCommerce first, then activate this plugin again.', 'catalog-sync-woocommerce' ),
		esc_html__( 'Plugin not activated', 'catalog-sync-woocommerce' ),
		array( 'back_link' => true )
	);
}

/**
 * Loads the translations from the plugin's languages/ folder (WordPress.org packs win).
 */
function catalog_sync_load_textdomain(): void {
	load_plugin_textdomain( 'catalog-sync-woocommerce', false, dirname( plugin_basename( CATALOG_SYNC_PLUGIN_FILE ) ) . '/languages' );
}

/**
 * Wires the plugin up once all plugins are loaded.
 *
 * The settings page is registered in the admin so the plugin can be configured; product hooks
 * are registered only when an API URL and a token are saved, so an unconfigured plugin costs
 * nothing on any request.
 */
function catalog_sync_boot(): void {
	if ( ! catalog_sync_woocommerce_active() ) {
		// WooCommerce was deactivated after us: step aside and say why.
		add_action( 'admin_init', 'catalog_sync_deactivate_self' );
		add_action( 'admin_notices', 'catalog_sync_missing_woocommerce_notice' );
		return;
	}
	if ( is_admin() ) {
		( new Catalog_Sync_Settings() )->register();
	}
	if ( null === Catalog_Sync_Api::from_options() ) {
		return;
	}
	Catalog_Sync_Outbox::install();
	( new Catalog_Sync_Hooks() )->register();
	Catalog_Sync_Sender::register();
}

/**
 * Deactivates this plugin when WooCommerce is missing, for a user allowed to do so, and only
 * on a request that shows admin notices: after deactivation no code of ours runs, so a
 * Heartbeat, AJAX, admin-post or cron request would deactivate silently.
 */
function catalog_sync_deactivate_self(): void {
	if ( ! current_user_can( 'activate_plugins' ) || ! catalog_sync_request_shows_notices() ) {
		return;
	}
	deactivate_plugins( plugin_basename( CATALOG_SYNC_PLUGIN_FILE ) );
	// Hide WordPress's "Plugin activated." message: it would contradict our notice.
	unset( $_GET['activate'] ); // phpcs:ignore WordPress.Security.NonceVerification.Recommended
}

/**
 * Whether this admin request renders a page with notices (not AJAX, admin-post, cron, REST).
 */
function catalog_sync_request_shows_notices(): bool {
	if ( wp_doing_ajax() || wp_doing_cron() || ( defined( 'REST_REQUEST' ) && REST_REQUEST ) ) {
		return false;
	}
	$page = isset( $GLOBALS['pagenow'] ) ? (string) $GLOBALS['pagenow'] : '';
	return ! in_array( $page, array( 'admin-post.php', 'admin-ajax.php', 'async-upload.php' ), true );
}

/**
 * Tells the admin why the plugin was deactivated.
 */
function catalog_sync_missing_woocommerce_notice(): void {
	if ( ! current_user_can( 'activate_plugins' ) ) {
		return;
	}
	printf(
		'<div class="notice notice-error"><p>%s</p></div>',
		esc_html__( 'Catalog Sync for WooCommerce has been deactivated because WooCommerce is not active.', 'catalog-sync-woocommerce' )
	);
}

/**
 * Declares that the plugin works with WooCommerce's order tables (it never reads orders).
 */
function catalog_sync_declare_hpos_compatibility(): void {
	if ( class_exists( '\Automattic\WooCommerce\Utilities\FeaturesUtil' ) ) {
		\Automattic\WooCommerce\Utilities\FeaturesUtil::declare_compatibility( 'custom_order_tables', CATALOG_SYNC_PLUGIN_FILE, true );
	}
}
