<?php
/**
 * Removes everything the plugin stored: its options, transients, outbox table and scheduled sends.
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

	$options = array(
		'catalog_sync_api_url',
		'catalog_sync_token',
		'catalog_sync_token_url',
		'catalog_sync_db_version',
		'catalog_sync_kick_key',
		'catalog_sync_sender_state',
		'catalog_sync_delivered',
		'catalog_sync_resync_page',
	);
	foreach ( $options as $option ) {
		delete_option( $option );
	}
	foreach ( array( 'catalog_sync_send', 'catalog_sync_sweep', 'catalog_sync_flush_product' ) as $hook ) {
		wp_unschedule_hook( $hook );
	}
	if ( function_exists( 'as_unschedule_all_actions' ) ) {
		as_unschedule_all_actions( 'catalog_sync_send', array(), 'catalog-sync' );
	}
	// phpcs:ignore WordPress.DB.DirectDatabaseQuery,WordPress.DB.DirectDatabaseQuery.SchemaChange
	$wpdb->query( "DROP TABLE IF EXISTS {$wpdb->prefix}catalog_sync_outbox" );
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
