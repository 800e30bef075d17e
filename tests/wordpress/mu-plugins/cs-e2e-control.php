<?php
/**
 * Plugin Name: Catalog Sync e2e control (tests only)
 * Description: Lets the end-to-end test drive the shop over HTTP: product saves through the
 *              WooCommerce stand-in (each a normal WordPress request, so the plugin's hooks and
 *              shutdown work run as in production), plugin activation and settings, and a
 *              read-only view of the plugin's outbox. Short retry delays keep the test fast.
 *
 * @package CatalogSync\Tests
 */

defined( 'ABSPATH' ) || exit;

// Test speed only: retries after 2 s doubling up to 16 s instead of 15 s up to an hour,
// unless the test asks for the real schedule (option cs_e2e_real_backoff).
add_filter(
	'catalog_sync_backoff_base',
	static function ( $base ) {
		return get_option( 'cs_e2e_real_backoff' ) ? $base : 2;
	}
);
add_filter(
	'catalog_sync_backoff_cap',
	static function ( $cap ) {
		return get_option( 'cs_e2e_real_backoff' ) ? $cap : 16;
	}
);

add_action(
	'wp_loaded',
	static function (): void {
		if ( ! isset( $_GET['cs_e2e'] ) ) { // phpcs:ignore WordPress.Security.NonceVerification
			return;
		}
		$action = sanitize_key( wp_unslash( $_GET['cs_e2e'] ) ); // phpcs:ignore WordPress.Security.NonceVerification
		$in     = json_decode( (string) file_get_contents( 'php://input' ), true );
		$in     = is_array( $in ) ? $in : array();
		$id     = (int) ( $in['id'] ?? 0 );
		$plugin = 'catalog-sync-woocommerce/catalog-sync-woocommerce.php';
		require_once ABSPATH . 'wp-admin/includes/plugin.php';
		$out = array( 'ok' => true );
		switch ( $action ) {
			case 'create':
				$out['id'] = CS_Standin_Store::create( $in );
				break;
			case 'update':
				CS_Standin_Store::update( $id, $in );
				break;
			case 'stock':
				CS_Standin_Store::set_stock( $id, (int) $in['stock'] );
				break;
			case 'trash':
				wp_trash_post( $id );
				break;
			case 'untrash':
				wp_untrash_post( $id );
				break;
			case 'delete':
				wp_delete_post( $id, true );
				break;
			case 'activate':
				$out['result'] = activate_plugin( $plugin );
				break;
			case 'deactivate':
				deactivate_plugins( $plugin );
				break;
			case 'configure':
				update_option( 'catalog_sync_api_url', (string) $in['api_url'] );
				update_option( 'catalog_sync_token', (string) $in['token'] );
				update_option( 'catalog_sync_token_url', (string) $in['api_url'] );
				break;
			case 'real_backoff':
				update_option( 'cs_e2e_real_backoff', ! empty( $in['on'] ) );
				break;
			case 'reset':
				global $wpdb;
				$wpdb->query( "DELETE FROM {$wpdb->prefix}catalog_sync_outbox" ); // phpcs:ignore
				foreach ( array( 'catalog_sync_sender_state', 'catalog_sync_delivered', 'catalog_sync_resync_page', 'cs_e2e_real_backoff' ) as $option ) {
					delete_option( $option );
				}
				wp_clear_scheduled_hook( 'catalog_sync_send' );
				break;
			case 'status':
				$out['summary'] = class_exists( 'Catalog_Sync_Outbox' ) ? Catalog_Sync_Outbox::summary() : null;
				$out['sender']  = get_option( 'catalog_sync_sender_state', array() );
				$out['options'] = array(
					'api_url'   => get_option( 'catalog_sync_api_url', '' ),
					'token_set' => '' !== (string) get_option( 'catalog_sync_token', '' ),
					'token_url' => get_option( 'catalog_sync_token_url', '' ),
				);
				$out['active']  = is_plugin_active( $plugin );
				break;
			default:
				$out = array( 'ok' => false );
		}
		header( 'Content-Type: application/json' );
		echo wp_json_encode( $out );
		exit; // WordPress's shutdown hooks still run, as at the end of any request.
	}
);
