<?php
/**
 * Settings sanitising, token masking and the "Test connection" handler.
 *
 * @package CatalogSync\Tests
 */

final class SettingsTest extends CS_TestCase {

	/** @var Catalog_Sync_Settings */
	private $settings;

	protected function setUp(): void {
		parent::setUp();
		$this->settings = new Catalog_Sync_Settings();
	}

	/**
	 * @return string[] Codes of the settings errors raised so far.
	 */
	private function error_codes(): array {
		return array_column( CS_WP::$settings_errors, 'code' );
	}

	public function test_api_url_is_kept_without_trailing_slash(): void {
		$this->assertSame( 'https://catalog.example.com', $this->settings->sanitize_api_url( '  https://catalog.example.com/ ' ) );
		$this->assertSame( 'http://10.0.0.5:8000/sync', $this->settings->sanitize_api_url( 'http://10.0.0.5:8000/sync/' ) );
		$this->assertSame( array(), CS_WP::$settings_errors );
	}

	public function test_blank_api_url_clears_it(): void {
		CS_WP::$options[ CATALOG_SYNC_OPTION_API_URL ] = self::API_URL;

		$this->assertSame( '', $this->settings->sanitize_api_url( '   ' ) );
		$this->assertSame( array(), CS_WP::$settings_errors );
	}

	/**
	 * @return array<string,array{0:mixed}>
	 */
	public function bad_urls(): array {
		return array(
			'no scheme'    => array( 'catalog.example.com' ),
			'ftp'          => array( 'ftp://catalog.example.com' ),
			'javascript'   => array( 'javascript:alert(1)' ),
			'no host'      => array( 'https://' ),
			'query string' => array( 'https://catalog.example.com/?x=1' ),
			'not a string' => array( array( 'https://catalog.example.com' ) ),
		);
	}

	/**
	 * @dataProvider bad_urls
	 * @param mixed $value Submitted value.
	 */
	public function test_bad_api_url_keeps_the_old_one_with_an_error( $value ): void {
		CS_WP::$options[ CATALOG_SYNC_OPTION_API_URL ] = self::API_URL;

		$this->assertSame( self::API_URL, $this->settings->sanitize_api_url( $value ) );
		$this->assertSame( array( 'catalog_sync_invalid_api_url' ), $this->error_codes() );
		$this->assertSame( CATALOG_SYNC_OPTION_API_URL, CS_WP::$settings_errors[0]['setting'] );
	}

	public function test_live_and_test_tokens_are_accepted_trimmed(): void {
		$test_token = 'wc_sk_test_' . str_repeat( 'Zz90', 10 );

		$this->assertSame( self::TOKEN, $this->settings->sanitize_token( ' ' . self::TOKEN . "\n" ) );
		$this->assertSame( $test_token, $this->settings->sanitize_token( $test_token ) );
		$this->assertSame( array(), CS_WP::$settings_errors );
	}

	public function test_blank_token_keeps_the_saved_one(): void {
		CS_WP::$options[ CATALOG_SYNC_OPTION_TOKEN ] = self::TOKEN;

		$this->assertSame( self::TOKEN, $this->settings->sanitize_token( '' ) );
		$this->assertSame( array(), CS_WP::$settings_errors );
	}

	/**
	 * @return array<string,array{0:string}>
	 */
	public function bad_tokens(): array {
		return array(
			'consumer key'   => array( 'ck_0123456789abcdef0123456789abcdef01234567' ),
			'wrong env'      => array( 'wc_sk_prod_a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8s9t0' ),
			'39 characters'  => array( 'wc_sk_live_a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8s9t' ),
			'41 characters'  => array( 'wc_sk_live_a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8s9t0x' ),
			'masked value'   => array( 'wc_sk_live_********s9t0' ),
			'inner space'    => array( 'wc_sk_live_a1b2c3d4e5f6g7h8i9j0 1l2m3n4o5p6q7r8s9t0' ),
			'punctuation'    => array( 'wc_sk_live_a1b2c3d4e5f6g7h8i9j0-1l2m3n4o5p6q7r8s9t0' ),
			'upper-case env' => array( 'WC_SK_LIVE_a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8s9t0' ),
		);
	}

	/**
	 * @dataProvider bad_tokens
	 */
	public function test_malformed_token_keeps_the_saved_one_with_an_error( string $value ): void {
		CS_WP::$options[ CATALOG_SYNC_OPTION_TOKEN ] = self::TOKEN;

		$this->assertSame( self::TOKEN, $this->settings->sanitize_token( $value ) );
		$this->assertSame( array( 'catalog_sync_invalid_token' ), $this->error_codes() );
	}

	public function test_mask_shows_kind_and_last_four_only(): void {
		$this->assertSame( 'wc_sk_live_********s9t0', catalog_sync_mask_token( self::TOKEN ) );
		$this->assertSame( '', catalog_sync_mask_token( '' ) );
	}

	public function test_token_field_never_prints_the_token(): void {
		CS_WP::$options[ CATALOG_SYNC_OPTION_TOKEN ] = self::TOKEN;

		ob_start();
		$this->settings->render_token_field();
		$html = (string) ob_get_clean();

		$this->assertStringNotContainsString( 'a1b2c3d4', $html );
		$this->assertStringContainsString( 'value=""', $html );
		$this->assertStringContainsString( 'placeholder="wc_sk_live_********s9t0"', $html );
		$this->assertStringContainsString( 'Saved token: wc_sk_live_********s9t0. Leave the field blank to keep it.', $html );
	}

	public function test_api_url_field_escapes_the_saved_value(): void {
		CS_WP::$options[ CATALOG_SYNC_OPTION_API_URL ] = 'https://catalog.example.com/"><script>';

		ob_start();
		$this->settings->render_api_url_field();
		$html = (string) ob_get_clean();

		$this->assertStringContainsString( 'value="https://catalog.example.com/&quot;&gt;&lt;script&gt;"', $html );
	}

	public function test_test_connection_refuses_users_without_the_capability(): void {
		$this->configure();

		try {
			$this->settings->handle_test_connection();
			$this->fail( 'wp_die was not called' );
		} catch ( CS_Died $died ) {
			$this->assertSame( 403, $died->args['response'] );
		}
		$this->assertSame( array(), CS_WP::$remote_gets );
		$this->assertSame( array(), CS_WP::$nonces_checked );
	}

	public function test_test_connection_checks_the_nonce_calls_health_and_shows_the_answer(): void {
		$this->configure();
		CS_WP::$caps         = array( 'manage_woocommerce' );
		CS_WP::$get_response = array(
			'response' => array( 'code' => 200 ),
			'body'     => '{"status": "ok", "tenant": "Acme <b>", "integration_type": "woocommerce"}',
		);
		$this->product( array( 'id' => 414, 'name' => 'Shoe', 'regular_price' => '12.50' ) );
		CS_WP::$post_responses = array(
			array(
				'response' => array( 'code' => 200 ),
				'body'     => '{"valid": 1, "invalid": 0, "results": [{"id": 414, "valid": true}]}',
			),
		);

		try {
			$this->settings->handle_test_connection();
			$this->fail( 'no redirect' );
		} catch ( CS_Redirected $redirect ) {
			$this->assertSame( 'https://shop.example.com/wp-admin/admin.php?page=catalog-sync', $redirect->getMessage() );
		}

		$this->assertSame( array( 'catalog_sync_test_connection' ), CS_WP::$nonces_checked );
		$this->assertCount( 1, CS_WP::$remote_gets );
		$this->assertSame( array( 414 ), array_column( json_decode( CS_WP::$remote_posts[0]['args']['body'], true )['products'], 'id' ) );
		$this->assertSame(
			array(
				'ok'      => true,
				'message' => 'Connected to Catalog Sync. Tenant: Acme <b>. Integration: woocommerce. The server accepts all 1 sample products.',
			),
			CS_WP::$transients['catalog_sync_test_result_7'][0]
		);

		CS_WP::$caps = array( 'manage_woocommerce' );
		ob_start();
		$this->settings->render_page();
		$html = (string) ob_get_clean();
		$this->assertStringContainsString( '<div class="notice notice-success is-dismissible"><p>Connected to Catalog Sync. Tenant: Acme &lt;b&gt;. Integration: woocommerce. The server accepts all 1 sample products.</p></div>', $html );
		$this->assertArrayNotHasKey( 'catalog_sync_test_result_7', CS_WP::$transients );
	}

	public function test_test_connection_without_settings_says_so_and_calls_nothing(): void {
		CS_WP::$caps = array( 'manage_woocommerce' );

		try {
			$this->settings->handle_test_connection();
			$this->fail( 'no redirect' );
		} catch ( CS_Redirected $redirect ) {
			$this->assertSame(
				array(
					'ok'      => false,
					'message' => 'Connection failed: Save the API URL and the token first.',
				),
				CS_WP::$transients['catalog_sync_test_result_7'][0]
			);
		}
		$this->assertSame( array(), CS_WP::$remote_gets );
	}

	public function test_refused_token_is_reported(): void {
		$result = Catalog_Sync_Settings::describe_result( new WP_Error( 'catalog_sync_unauthorized', 'The server refused the token.' ) );

		$this->assertSame(
			array(
				'ok'      => false,
				'message' => 'Connection failed: The server refused the token.',
			),
			$result
		);
	}

	public function test_page_has_the_settings_form_and_a_nonced_test_form(): void {
		CS_WP::$caps = array( 'manage_woocommerce' );

		ob_start();
		$this->settings->render_page();
		$html = (string) ob_get_clean();

		$this->assertStringContainsString( '<form method="post" action="https://shop.example.com/wp-admin/options.php"><!-- settings_fields catalog_sync --><!-- sections catalog-sync -->', $html );
		$this->assertStringContainsString( '<form method="post" style="display:inline-block;margin-right:.5em" action="https://shop.example.com/wp-admin/admin-post.php"><input type="hidden" name="action" value="catalog_sync_test_connection" /><input type="hidden" name="_wpnonce" value="nonce-catalog_sync_test_connection" />', $html );
	}

	public function test_page_prints_nothing_for_users_without_the_capability(): void {
		ob_start();
		$this->settings->render_page();

		$this->assertSame( '', ob_get_clean() );
	}

	public function test_options_page_capability_is_manage_woocommerce(): void {
		$this->settings->register();

		$this->assertSame( 'manage_woocommerce', apply_filters( 'option_page_capability_catalog_sync', 'manage_options' ) );
	}

	public function test_the_sample_check_lists_what_the_server_would_refuse(): void {
		$notice = Catalog_Sync_Settings::describe_sample(
			array(
				'results' => array(
					array( 'id' => 414, 'valid' => true ),
					array( 'id' => 415, 'valid' => false, 'errors' => array( 'currency' => array( "'IRT' is not an ISO 4217 currency code." ) ) ),
				),
			),
			array( 'ok' => true, 'message' => 'Connected.' )
		);

		$this->assertSame(
			array(
				'ok'      => false,
				'message' => "Connected. But the server would refuse 1 of 2 sample products: product #415: currency: 'IRT' is not an ISO 4217 currency code.",
			),
			$notice
		);
	}

	public function test_changing_the_api_url_clears_the_token_unless_a_new_one_comes_with_it(): void {
		$this->configure();

		$this->assertSame( 'https://new.example.com', $this->settings->sanitize_api_url( 'https://new.example.com' ) );

		$this->assertArrayNotHasKey( CATALOG_SYNC_OPTION_TOKEN, CS_WP::$options );
		$this->assertArrayNotHasKey( CATALOG_SYNC_OPTION_TOKEN_URL, CS_WP::$options );
		$this->assertSame( 'catalog_sync_token_cleared', CS_WP::$settings_errors[0]['code'] );

		$this->configure();
		CS_WP::$settings_errors           = array();
		$_POST[ CATALOG_SYNC_OPTION_TOKEN ] = self::TOKEN;
		try {
			$this->settings->sanitize_api_url( 'https://new.example.com' );
			CS_WP::$options[ CATALOG_SYNC_OPTION_API_URL ] = 'https://new.example.com';
			$this->assertSame( self::TOKEN, $this->settings->sanitize_token( self::TOKEN ) );
		} finally {
			unset( $_POST[ CATALOG_SYNC_OPTION_TOKEN ] );
		}
		$this->assertSame( array(), CS_WP::$settings_errors );
		$this->assertSame( 'https://new.example.com', CS_WP::$options[ CATALOG_SYNC_OPTION_TOKEN_URL ] );
	}

	public function test_test_connection_never_sends_a_token_saved_for_another_url(): void {
		$this->configure();
		CS_WP::$caps                                    = array( 'manage_woocommerce' );
		CS_WP::$options[ CATALOG_SYNC_OPTION_API_URL ] = 'https://attacker.example.net';

		try {
			$this->settings->handle_test_connection();
			$this->fail( 'no redirect' );
		} catch ( CS_Redirected $redirect ) {
			$this->assertSame( array(), CS_WP::$remote_gets );
			$this->assertSame( array(), CS_WP::$remote_posts );
			$this->assertStringContainsString( 'saved for another API URL', CS_WP::$transients['catalog_sync_test_result_7'][0]['message'] );
		}
	}

	public function test_an_admin_notice_when_changes_waited_over_an_hour_or_failed(): void {
		global $wpdb;
		$this->configure();
		CS_WP::$caps = array( 'manage_woocommerce' );
		Catalog_Sync_Outbox::install();
		Catalog_Sync_Outbox::put( 414, 'product.updated' );

		ob_start();
		$this->settings->render_stale_queue_notice();
		$this->assertSame( '', (string) ob_get_clean() ); // a fresh change: no notice

		delete_transient( Catalog_Sync_Settings::NOTICE_TRANSIENT );
		$wpdb->query( 'UPDATE wp_catalog_sync_outbox SET queued_at = ' . ( time() - 7200 ) );
		ob_start();
		$this->settings->render_stale_queue_notice();
		$html = (string) ob_get_clean();

		$this->assertStringContainsString( 'Catalog Sync: product changes have been waiting for 2 hours to be delivered.', $html );
		$this->assertStringContainsString( 'admin.php?page=catalog-sync', $html );
	}

	public function test_the_page_shows_the_queue_with_its_buttons_and_undelivered_events(): void {
		$this->configure();
		CS_WP::$caps = array( 'manage_woocommerce' );
		$this->product( array( 'id' => 414, 'name' => 'Shoe' ) );
		Catalog_Sync_Outbox::install();
		Catalog_Sync_Outbox::put( 414, 'product.updated' );
		Catalog_Sync_Outbox::refused( 414, CS_WP::outbox()[414]['event_id'], 'price: Enter a price.' );
		Catalog_Sync_Outbox::put( 415, 'product.deleted' );

		ob_start();
		$this->settings->render_page();
		$html = (string) ob_get_clean();

		$this->assertStringContainsString( '<tr><th scope="row">Waiting to be sent</th><td>1</td></tr>', $html );
		$this->assertStringContainsString( '<tr><th scope="row">Refused by the server</th><td>1</td></tr>', $html );
		$this->assertStringContainsString( '<tr><th scope="row">Last successful delivery</th><td>never</td></tr>', $html );
		$this->assertStringContainsString( 'value="catalog_sync_send_now"', $html );
		$this->assertStringContainsString( 'value="catalog_sync_resync"', $html );
		$this->assertStringContainsString( '<td>#414 Shoe</td><td>product.updated</td><td>refused</td><td>1</td><td>price: Enter a price.</td>', $html );
		$this->assertStringContainsString( '<input type="hidden" name="product_id" value="414" />', $html );
	}
}
