<?php
/**
 * Removes everything the plugin stored: its options, its transients and its scheduled sends.
 *
 * @package CatalogSync
 */

defined( 'ABSPATH' ) || exit;
defined( 'WP_UNINSTALL_PLUGIN' ) || exit;

/**
 * Cleans one site; transients have per-product names, so they are found by prefix.
 */
function catalog_sync_uninstall_site(): void {
	global $wpdb;

	delete_option( 'catalog_sync_api_url' );
	delete_option( 'catalog_sync_token' );
	wp_unschedule_hook( 'catalog_sync_flush_product' );
	// phpcs:ignore WordPress.DB.DirectDatabaseQuery -- no API deletes transients by prefix.
	$wpdb->query(
		$wpdb->prepare(
			"DELETE FROM {$wpdb->options} WHERE option_name LIKE %s OR option_name LIKE %s",
			$wpdb->esc_like( '_transient_catalog_sync_' ) . '%',
			$wpdb->esc_like( '_transient_timeout_catalog_sync_' ) . '%'
		)
	);
}

if ( is_multisite() ) {
	foreach ( get_sites( array( 'fields' => 'ids' ) ) as $catalog_sync_site_id ) {
		switch_to_blog( (int) $catalog_sync_site_id );
		catalog_sync_uninstall_site();
		restore_current_blog();
	}
} else {
	catalog_sync_uninstall_site();
}
