<?php
/**
 * The settings page: API URL, integration token and the "Test connection" button.
 *
 * @package CatalogSync
 */

defined( 'ABSPATH' ) || exit;

/**
 * Registers the page with the Settings API and sanitises what is saved.
 */
final class Catalog_Sync_Settings {

	const PAGE_SLUG        = 'catalog-sync';
	const OPTION_GROUP     = 'catalog_sync';
	const SECTION          = 'catalog_sync_connection';
	const CAPABILITY       = 'manage_woocommerce';
	const TEST_ACTION      = 'catalog_sync_test_connection';
	const RESULT_TRANSIENT = 'catalog_sync_test_result_';
	const TOKEN_PATTERN    = '/^wc_sk_(live|test)_[A-Za-z0-9]{40}$/';

	/**
	 * Hooks the page into the admin; nothing here runs outside wp-admin.
	 */
	public function register(): void {
		add_action( 'admin_menu', array( $this, 'add_page' ) );
		add_action( 'admin_init', array( $this, 'register_settings' ) );
		add_action( 'admin_post_' . self::TEST_ACTION, array( $this, 'handle_test_connection' ) );
		add_filter( 'option_page_capability_' . self::OPTION_GROUP, array( $this, 'capability' ) );
	}

	/**
	 * Shop managers, not only administrators, may save these options.
	 */
	public function capability(): string {
		return self::CAPABILITY;
	}

	/**
	 * Adds "Catalog Sync" under the WooCommerce menu.
	 */
	public function add_page(): void {
		add_submenu_page(
			'woocommerce',
			__( 'Catalog Sync', 'catalog-sync-woocommerce' ),
			__( 'Catalog Sync', 'catalog-sync-woocommerce' ),
			self::CAPABILITY,
			self::PAGE_SLUG,
			array( $this, 'render_page' )
		);
	}

	/**
	 * Declares both options with their sanitisers, and the fields that edit them.
	 */
	public function register_settings(): void {
		register_setting(
			self::OPTION_GROUP,
			CATALOG_SYNC_OPTION_API_URL,
			array(
				'type'              => 'string',
				'sanitize_callback' => array( $this, 'sanitize_api_url' ),
				'default'           => '',
			)
		);
		register_setting(
			self::OPTION_GROUP,
			CATALOG_SYNC_OPTION_TOKEN,
			array(
				'type'              => 'string',
				'sanitize_callback' => array( $this, 'sanitize_token' ),
				'default'           => '',
			)
		);
		add_settings_section( self::SECTION, __( 'Connection', 'catalog-sync-woocommerce' ), array( $this, 'render_section' ), self::PAGE_SLUG );
		add_settings_field( CATALOG_SYNC_OPTION_API_URL, __( 'API URL', 'catalog-sync-woocommerce' ), array( $this, 'render_api_url_field' ), self::PAGE_SLUG, self::SECTION, array( 'label_for' => CATALOG_SYNC_OPTION_API_URL ) );
		add_settings_field( CATALOG_SYNC_OPTION_TOKEN, __( 'Integration token', 'catalog-sync-woocommerce' ), array( $this, 'render_token_field' ), self::PAGE_SLUG, self::SECTION, array( 'label_for' => CATALOG_SYNC_OPTION_TOKEN ) );
	}

	/**
	 * Keeps a full http(s) base URL without a trailing slash; blank clears it; anything else
	 * is refused with a message and the saved value stays.
	 *
	 * @param mixed $value Submitted value.
	 */
	public function sanitize_api_url( $value ): string {
		$value = is_string( $value ) ? trim( $value ) : null;
		if ( '' === $value ) {
			return '';
		}
		// Checked before esc_url_raw(), which would quietly turn "example.com" into http://.
		$url    = null !== $value && 1 === preg_match( '#^https?://#i', $value ) ? esc_url_raw( $value, array( 'http', 'https' ) ) : '';
		$scheme = strtolower( (string) wp_parse_url( $url, PHP_URL_SCHEME ) );
		$host   = (string) wp_parse_url( $url, PHP_URL_HOST );
		$extra  = wp_parse_url( $url, PHP_URL_QUERY ) . wp_parse_url( $url, PHP_URL_FRAGMENT );
		if ( '' === $url || ! in_array( $scheme, array( 'http', 'https' ), true ) || '' === $host || '' !== $extra ) {
			add_settings_error(
				CATALOG_SYNC_OPTION_API_URL,
				'catalog_sync_invalid_api_url',
				__( 'The API URL must be a full http:// or https:// address such as https://catalog.example.com, without a query string. The previous value was kept.', 'catalog-sync-woocommerce' )
			);
			return (string) get_option( CATALOG_SYNC_OPTION_API_URL, '' );
		}
		return untrailingslashit( $url );
	}

	/**
	 * Accepts only wc_sk_live_/wc_sk_test_ tokens; a blank field keeps the saved token, because
	 * the page never shows the token itself.
	 *
	 * @param mixed $value Submitted value.
	 */
	public function sanitize_token( $value ): string {
		$value   = is_string( $value ) ? trim( $value ) : '';
		$current = (string) get_option( CATALOG_SYNC_OPTION_TOKEN, '' );
		if ( '' === $value ) {
			return $current;
		}
		if ( 1 !== preg_match( self::TOKEN_PATTERN, $value ) ) {
			add_settings_error(
				CATALOG_SYNC_OPTION_TOKEN,
				'catalog_sync_invalid_token',
				__( 'The token must be wc_sk_live_ or wc_sk_test_ followed by 40 letters and digits. Copy it again from Catalog Sync. The saved token was kept.', 'catalog-sync-woocommerce' )
			);
			return $current;
		}
		return $value;
	}

	/**
	 * Calls the health endpoint with the saved settings and shows the answer on the page.
	 */
	public function handle_test_connection(): void {
		if ( ! current_user_can( self::CAPABILITY ) ) {
			wp_die( esc_html__( 'You are not allowed to test the Catalog Sync connection.', 'catalog-sync-woocommerce' ), '', array( 'response' => 403 ) );
		}
		check_admin_referer( self::TEST_ACTION );
		$api    = Catalog_Sync_Api::from_options();
		$result = null === $api
			? new WP_Error( 'catalog_sync_not_configured', __( 'Save the API URL and the token first.', 'catalog-sync-woocommerce' ) )
			: $api->health_check();
		set_transient( self::RESULT_TRANSIENT . get_current_user_id(), self::describe_result( $result ), MINUTE_IN_SECONDS );
		wp_safe_redirect( admin_url( 'admin.php?page=' . self::PAGE_SLUG ) );
		exit;
	}

	/**
	 * Turns a health answer into a notice.
	 *
	 * @param array<string,mixed>|WP_Error $result What health_check() returned.
	 * @return array{ok: bool, message: string}
	 */
	public static function describe_result( $result ): array {
		if ( is_wp_error( $result ) ) {
			return array(
				'ok'      => false,
				/* translators: %s: why the connection failed. */
				'message' => sprintf( __( 'Connection failed: %s', 'catalog-sync-woocommerce' ), $result->get_error_message() ),
			);
		}
		return array(
			'ok'      => true,
			'message' => sprintf(
				/* translators: 1: tenant name, 2: integration type. */
				__( 'Connected to Catalog Sync. Tenant: %1$s. Integration: %2$s.', 'catalog-sync-woocommerce' ),
				(string) ( $result['tenant'] ?? '' ),
				(string) ( $result['integration_type'] ?? '' )
			),
		);
	}

	/**
	 * The page: settings form, then the test button in its own form (forms cannot nest).
	 */
	public function render_page(): void {
		if ( ! current_user_can( self::CAPABILITY ) ) {
			return;
		}
		echo '<div class="wrap"><h1>' . esc_html__( 'Catalog Sync', 'catalog-sync-woocommerce' ) . '</h1>';
		settings_errors();
		$this->render_test_result();
		echo '<form method="post" action="' . esc_url( admin_url( 'options.php' ) ) . '">';
		settings_fields( self::OPTION_GROUP );
		do_settings_sections( self::PAGE_SLUG );
		submit_button();
		echo '</form>';
		echo '<h2>' . esc_html__( 'Test connection', 'catalog-sync-woocommerce' ) . '</h2>';
		echo '<p>' . esc_html__( 'Checks the saved API URL and token against the Catalog Sync health endpoint. Save your changes first.', 'catalog-sync-woocommerce' ) . '</p>';
		echo '<form method="post" action="' . esc_url( admin_url( 'admin-post.php' ) ) . '">';
		echo '<input type="hidden" name="action" value="' . esc_attr( self::TEST_ACTION ) . '" />';
		wp_nonce_field( self::TEST_ACTION );
		submit_button( __( 'Test connection', 'catalog-sync-woocommerce' ), 'secondary', 'catalog-sync-test', false );
		echo '</form></div>';
	}

	/**
	 * Explains where the values come from.
	 */
	public function render_section(): void {
		echo '<p>' . esc_html__( 'Create a WooCommerce integration token in Catalog Sync and paste it here with the address of your Catalog Sync server.', 'catalog-sync-woocommerce' ) . '</p>';
	}

	/**
	 * The API URL field.
	 */
	public function render_api_url_field(): void {
		printf(
			'<input type="url" class="regular-text" id="%1$s" name="%1$s" value="%2$s" placeholder="https://catalog.example.com" />',
			esc_attr( CATALOG_SYNC_OPTION_API_URL ),
			esc_attr( (string) get_option( CATALOG_SYNC_OPTION_API_URL, '' ) )
		);
	}

	/**
	 * The token field: always empty, with the saved token masked beside it.
	 */
	public function render_token_field(): void {
		$saved = (string) get_option( CATALOG_SYNC_OPTION_TOKEN, '' );
		printf(
			'<input type="password" class="regular-text" id="%1$s" name="%1$s" value="" autocomplete="off" placeholder="%2$s" />',
			esc_attr( CATALOG_SYNC_OPTION_TOKEN ),
			esc_attr( '' === $saved ? 'wc_sk_live_…' : catalog_sync_mask_token( $saved ) )
		);
		$help = '' === $saved
			? __( 'No token saved yet.', 'catalog-sync-woocommerce' )
			/* translators: %s: the saved token, masked. */
			: sprintf( __( 'Saved token: %s. Leave the field blank to keep it.', 'catalog-sync-woocommerce' ), catalog_sync_mask_token( $saved ) );
		echo '<p class="description">' . esc_html( $help ) . '</p>';
	}

	/**
	 * Shows, once, the result of the last "Test connection" by this user.
	 */
	private function render_test_result(): void {
		$key    = self::RESULT_TRANSIENT . get_current_user_id();
		$result = get_transient( $key );
		if ( ! is_array( $result ) ) {
			return;
		}
		delete_transient( $key );
		printf(
			'<div class="notice %1$s is-dismissible"><p>%2$s</p></div>',
			esc_attr( $result['ok'] ? 'notice-success' : 'notice-error' ),
			esc_html( (string) $result['message'] )
		);
	}
}
