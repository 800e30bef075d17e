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
	const SEND_NOW_ACTION  = 'catalog_sync_send_now';
	const RESYNC_ACTION    = 'catalog_sync_resync';
	const RESEND_ACTION    = 'catalog_sync_resend';
	const NOTICE_TRANSIENT = 'catalog_sync_queue_summary';
	const SAMPLE_SIZE      = 5;
	const STALE_SECONDS    = 3600;

	/**
	 * Hooks the page into the admin; nothing here runs outside wp-admin.
	 */
	public function register(): void {
		add_action( 'admin_menu', array( $this, 'add_page' ) );
		add_action( 'admin_init', array( $this, 'register_settings' ) );
		add_action( 'admin_post_' . self::TEST_ACTION, array( $this, 'handle_test_connection' ) );
		add_action( 'admin_post_' . self::SEND_NOW_ACTION, array( $this, 'handle_send_now' ) );
		add_action( 'admin_post_' . self::RESYNC_ACTION, array( $this, 'handle_resync' ) );
		add_action( 'admin_post_' . self::RESEND_ACTION, array( $this, 'handle_resend' ) );
		add_action( 'admin_notices', array( $this, 'render_stale_queue_notice' ) );
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
		$url   = untrailingslashit( $url );
		$saved = (string) get_option( CATALOG_SYNC_OPTION_API_URL, '' );
		if ( '' !== $saved && $url !== $saved && '' !== (string) get_option( CATALOG_SYNC_OPTION_TOKEN, '' ) && ! $this->token_submitted() ) {
			// The token belongs to the old server: never let it follow the URL elsewhere.
			delete_option( CATALOG_SYNC_OPTION_TOKEN );
			delete_option( CATALOG_SYNC_OPTION_TOKEN_URL );
			add_settings_error(
				CATALOG_SYNC_OPTION_TOKEN,
				'catalog_sync_token_cleared',
				__( 'The API URL changed, so the saved token was cleared: it is only ever sent to the server it was saved for. Paste the token for the new server.', 'catalog-sync-woocommerce' ),
				'warning'
			);
		}
		return $url;
	}

	/**
	 * Whether this settings form carries a new token (it is then bound to the new URL).
	 */
	private function token_submitted(): bool {
		// phpcs:ignore WordPress.Security.NonceVerification.Missing -- options.php checked the nonce.
		return isset( $_POST[ CATALOG_SYNC_OPTION_TOKEN ] ) && '' !== trim( (string) wp_unslash( $_POST[ CATALOG_SYNC_OPTION_TOKEN ] ) );
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
		// Bound to the URL saved with it (the URL field is saved first in the same form).
		update_option( CATALOG_SYNC_OPTION_TOKEN_URL, (string) get_option( CATALOG_SYNC_OPTION_API_URL, '' ), false );
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
		$result = null === $api ? self::not_configured() : $api->health_check();
		$notice = self::describe_result( $result );
		if ( $notice['ok'] && null !== $api ) {
			$notice = self::describe_sample( $api->validate_products( self::sample_payloads() ), $notice );
		}
		$this->finish( $notice );
	}

	/**
	 * Why there is no client: nothing saved, or a token saved for another URL.
	 */
	private static function not_configured(): WP_Error {
		if ( '' !== (string) get_option( CATALOG_SYNC_OPTION_API_URL, '' ) && '' !== (string) get_option( CATALOG_SYNC_OPTION_TOKEN, '' ) ) {
			return new WP_Error( 'catalog_sync_token_elsewhere', __( 'The saved token was saved for another API URL, so it is not sent. Paste the token again.', 'catalog-sync-woocommerce' ) );
		}
		return new WP_Error( 'catalog_sync_not_configured', __( 'Save the API URL and the token first.', 'catalog-sync-woocommerce' ) );
	}

	/**
	 * Payloads of a few of the shop's newest published products, for the server to check.
	 *
	 * @return array<int,array<string,mixed>>
	 */
	public static function sample_payloads(): array {
		$ids      = get_posts(
			array(
				'post_type'      => 'product',
				'post_status'    => 'publish',
				'fields'         => 'ids',
				'orderby'        => 'date',
				'order'          => 'DESC',
				'posts_per_page' => self::SAMPLE_SIZE,
				'no_found_rows'  => true,
			)
		);
		$payloads = array();
		foreach ( $ids as $id ) {
			$product = catalog_sync_sendable_product( (int) $id );
			if ( null !== $product ) {
				$payloads[] = catalog_sync_build_product_payload( $product );
			}
		}
		return $payloads;
	}

	/**
	 * Adds the sample check to a successful health notice.
	 *
	 * @param array<string,mixed>|WP_Error    $checked What validate_products() returned.
	 * @param array{ok: bool, message: string} $notice  The health notice.
	 * @return array{ok: bool, message: string}
	 */
	public static function describe_sample( $checked, array $notice ): array {
		if ( is_wp_error( $checked ) ) {
			/* translators: %s: why the check failed. */
			$notice['message'] .= ' ' . sprintf( __( 'Your products could not be checked: %s', 'catalog-sync-woocommerce' ), $checked->get_error_message() );
			return $notice;
		}
		$results = is_array( $checked['results'] ?? null ) ? $checked['results'] : array();
		if ( ! $results ) {
			$notice['message'] .= ' ' . __( 'No published product to check yet.', 'catalog-sync-woocommerce' );
			return $notice;
		}
		$refused = array();
		foreach ( $results as $result ) {
			if ( empty( $result['valid'] ) ) {
				/* translators: 1: product id, 2: the server's reason. */
				$refused[] = sprintf( __( 'product #%1$s: %2$s', 'catalog-sync-woocommerce' ), (string) ( $result['id'] ?? '?' ), Catalog_Sync_Api::reason( $result['errors'] ?? array() ) );
			}
		}
		if ( ! $refused ) {
			/* translators: %d: number of products checked. */
			$notice['message'] .= ' ' . sprintf( __( 'The server accepts all %d sample products.', 'catalog-sync-woocommerce' ), count( $results ) );
			return $notice;
		}
		return array(
			'ok'      => false,
			/* translators: 1: health message, 2: refused count, 3: checked count, 4: the reasons. */
			'message' => sprintf( __( '%1$s But the server would refuse %2$d of %3$d sample products: %4$s', 'catalog-sync-woocommerce' ), $notice['message'], count( $refused ), count( $results ), implode( '; ', $refused ) ),
		);
	}

	/**
	 * "Send now": ends the wait after failures and runs the sender in this request.
	 */
	public function handle_send_now(): void {
		$this->guard( self::SEND_NOW_ACTION );
		$state             = Catalog_Sync_Sender::state();
		$state['retry_at'] = 0;
		update_option( Catalog_Sync_Sender::STATE_OPTION, $state, false );
		Catalog_Sync_Sender::run();
		$after = Catalog_Sync_Outbox::summary();
		$this->finish(
			array(
				'ok'      => 0 === $after['waiting'] + $after['retrying'],
				'message' => 0 === $after['waiting'] + $after['retrying']
					? __( 'Everything waiting was sent.', 'catalog-sync-woocommerce' )
					/* translators: %s: the last error. */
					: sprintf( __( 'Some events are still waiting. Last error: %s', 'catalog-sync-woocommerce' ), Catalog_Sync_Sender::state()['last_error'] ),
			)
		);
	}

	/**
	 * "Send all products": queues every published product, a page per sender run.
	 */
	public function handle_resync(): void {
		$this->guard( self::RESYNC_ACTION );
		update_option( Catalog_Sync_Sender::RESYNC_OPTION, 1, false );
		Catalog_Sync_Sender::schedule( time() );
		Catalog_Sync_Sender::kick();
		$this->finish(
			array(
				'ok'      => true,
				'message' => __( 'All published products are being queued and sent in the background.', 'catalog-sync-woocommerce' ),
			)
		);
	}

	/**
	 * "Send again" for failed and refused events: one product, or all of them.
	 */
	public function handle_resend(): void {
		$this->guard( self::RESEND_ACTION );
		// phpcs:ignore WordPress.Security.NonceVerification.Missing -- guard() checked it.
		$product_id = isset( $_POST['product_id'] ) ? absint( wp_unslash( $_POST['product_id'] ) ) : 0;
		$count      = Catalog_Sync_Outbox::resend( $product_id > 0 ? $product_id : null );
		Catalog_Sync_Sender::schedule( time() );
		Catalog_Sync_Sender::kick();
		$this->finish(
			array(
				'ok'      => true,
				/* translators: %d: number of events queued again. */
				'message' => sprintf( _n( '%d event queued again.', '%d events queued again.', $count, 'catalog-sync-woocommerce' ), $count ),
			)
		);
	}

	/**
	 * Capability and nonce for the admin-post buttons.
	 *
	 * @param string $action The action (also the nonce action).
	 */
	private function guard( string $action ): void {
		if ( ! current_user_can( self::CAPABILITY ) ) {
			wp_die( esc_html__( 'You are not allowed to manage Catalog Sync.', 'catalog-sync-woocommerce' ), '', array( 'response' => 403 ) );
		}
		check_admin_referer( $action );
	}

	/**
	 * Shows a notice once on the settings page and goes back there.
	 *
	 * @param array{ok: bool, message: string} $notice What to say.
	 */
	private function finish( array $notice ): void {
		set_transient( self::RESULT_TRANSIENT . get_current_user_id(), $notice, MINUTE_IN_SECONDS );
		delete_transient( self::NOTICE_TRANSIENT );
		wp_safe_redirect( admin_url( 'admin.php?page=' . self::PAGE_SLUG ) );
		exit;
	}

	/**
	 * On every admin page: a warning when events have waited more than an hour, or failed.
	 */
	public function render_stale_queue_notice(): void {
		if ( ! current_user_can( self::CAPABILITY ) || null === Catalog_Sync_Api::from_options() ) {
			return;
		}
		$summary = get_transient( self::NOTICE_TRANSIENT );
		if ( ! is_array( $summary ) ) {
			$summary = Catalog_Sync_Outbox::summary();
			set_transient( self::NOTICE_TRANSIENT, $summary, 5 * MINUTE_IN_SECONDS );
		}
		$stale = $summary['oldest_waiting'] > 0 && $summary['oldest_waiting'] < time() - self::STALE_SECONDS;
		$stuck = $summary['failed'] + $summary['refused'];
		if ( ! $stale && 0 === $stuck ) {
			return;
		}
		$message = $stale
			/* translators: %s: how long, e.g. "2 hours". */
			? sprintf( __( 'Catalog Sync: product changes have been waiting for %s to be delivered.', 'catalog-sync-woocommerce' ), human_time_diff( $summary['oldest_waiting'] ) )
			/* translators: %d: number of events. */
			: sprintf( _n( 'Catalog Sync: %d product change was not delivered.', 'Catalog Sync: %d product changes were not delivered.', $stuck, 'catalog-sync-woocommerce' ), $stuck );
		printf(
			'<div class="notice notice-warning"><p>%1$s <a href="%2$s">%3$s</a></p></div>',
			esc_html( $message ),
			esc_url( admin_url( 'admin.php?page=' . self::PAGE_SLUG ) ),
			esc_html__( 'See the queue', 'catalog-sync-woocommerce' )
		);
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
		echo '<p>' . esc_html__( 'Checks the saved API URL and token against the Catalog Sync health endpoint, then asks the server whether it accepts a few of your published products. Save your changes first.', 'catalog-sync-woocommerce' ) . '</p>';
		$this->button( self::TEST_ACTION, __( 'Test connection', 'catalog-sync-woocommerce' ) );
		if ( null !== Catalog_Sync_Api::from_options() ) {
			$this->render_queue();
		}
		echo '</div>';
	}

	/**
	 * The delivery queue: counts, last error and success, buttons, undelivered events.
	 */
	private function render_queue(): void {
		Catalog_Sync_Outbox::install();
		$summary = Catalog_Sync_Outbox::summary();
		$state   = Catalog_Sync_Sender::state();
		echo '<h2>' . esc_html__( 'Delivery', 'catalog-sync-woocommerce' ) . '</h2><table class="widefat striped" style="max-width:50em"><tbody>';
		$rows = array(
			__( 'Waiting to be sent', 'catalog-sync-woocommerce' )        => (string) $summary['waiting'],
			__( 'Retrying', 'catalog-sync-woocommerce' )                  => (string) $summary['retrying'],
			__( 'Failed (retry window over)', 'catalog-sync-woocommerce' ) => (string) $summary['failed'],
			__( 'Refused by the server', 'catalog-sync-woocommerce' )     => (string) $summary['refused'],
			__( 'Delivered in the last 24 hours', 'catalog-sync-woocommerce' ) => (string) Catalog_Sync_Sender::delivered_last_day(),
			__( 'Last successful delivery', 'catalog-sync-woocommerce' )  => self::when( (int) $state['last_success_at'] ),
		);
		if ( $state['retry_at'] > time() ) {
			$rows[ __( 'Next attempt', 'catalog-sync-woocommerce' ) ] = self::when( (int) $state['retry_at'] );
		}
		if ( '' !== $state['last_error'] && $state['failures'] > 0 ) {
			/* translators: 1: the error, 2: when. */
			$rows[ __( 'Last error', 'catalog-sync-woocommerce' ) ] = sprintf( __( '%1$s (%2$s)', 'catalog-sync-woocommerce' ), $state['last_error'], self::when( (int) $state['last_error_at'] ) );
		}
		foreach ( $rows as $label => $value ) {
			printf( '<tr><th scope="row">%1$s</th><td>%2$s</td></tr>', esc_html( $label ), esc_html( $value ) );
		}
		echo '</tbody></table><p>';
		$this->button( self::SEND_NOW_ACTION, __( 'Send now', 'catalog-sync-woocommerce' ) );
		$this->button( self::RESYNC_ACTION, __( 'Send all products', 'catalog-sync-woocommerce' ) );
		echo '</p>';
		$stuck = Catalog_Sync_Outbox::listing( array( Catalog_Sync_Outbox::FAILED, Catalog_Sync_Outbox::REFUSED, Catalog_Sync_Outbox::WAITING ), 50 );
		$stuck = array_values(
			array_filter(
				$stuck,
				static function ( array $row ): bool {
					return Catalog_Sync_Outbox::WAITING !== $row['state'] || (int) $row['attempts'] > 0;
				}
			)
		);
		if ( ! $stuck ) {
			return;
		}
		echo '<h3>' . esc_html__( 'Not delivered yet', 'catalog-sync-woocommerce' ) . '</h3>';
		echo '<table class="widefat striped"><thead><tr>';
		foreach ( array( __( 'Product', 'catalog-sync-woocommerce' ), __( 'Event', 'catalog-sync-woocommerce' ), __( 'State', 'catalog-sync-woocommerce' ), __( 'Attempts', 'catalog-sync-woocommerce' ), __( 'Reason', 'catalog-sync-woocommerce' ), __( 'Changed', 'catalog-sync-woocommerce' ), '' ) as $heading ) {
			echo '<th>' . esc_html( $heading ) . '</th>';
		}
		echo '</tr></thead><tbody>';
		foreach ( $stuck as $row ) {
			echo '<tr><td>' . esc_html( '#' . $row['product_id'] . ' ' . get_the_title( (int) $row['product_id'] ) ) . '</td>';
			echo '<td>' . esc_html( (string) $row['event_type'] ) . '</td><td>' . esc_html( (string) $row['state'] ) . '</td>';
			echo '<td>' . esc_html( (string) $row['attempts'] ) . '</td><td>' . esc_html( (string) $row['last_error'] ) . '</td>';
			echo '<td>' . esc_html( self::when( (int) $row['changed_at'] ) ) . '</td><td>';
			if ( Catalog_Sync_Outbox::WAITING !== $row['state'] ) {
				$this->button( self::RESEND_ACTION, __( 'Send again', 'catalog-sync-woocommerce' ), array( 'product_id' => (string) $row['product_id'] ) );
			}
			echo '</td></tr>';
		}
		echo '</tbody></table>';
		if ( $summary['failed'] + $summary['refused'] > 1 ) {
			$this->button( self::RESEND_ACTION, __( 'Send all failed and refused events again', 'catalog-sync-woocommerce' ) );
		}
	}

	/**
	 * A one-button form posting to admin-post.php with a nonce.
	 *
	 * @param string               $action Action and nonce name.
	 * @param string               $label  Button text.
	 * @param array<string,string> $fields Extra hidden fields.
	 */
	private function button( string $action, string $label, array $fields = array() ): void {
		echo '<form method="post" style="display:inline-block;margin-right:.5em" action="' . esc_url( admin_url( 'admin-post.php' ) ) . '">';
		echo '<input type="hidden" name="action" value="' . esc_attr( $action ) . '" />';
		foreach ( $fields as $name => $value ) {
			echo '<input type="hidden" name="' . esc_attr( $name ) . '" value="' . esc_attr( $value ) . '" />';
		}
		wp_nonce_field( $action );
		submit_button( $label, 'secondary', 'submit-' . $action, false );
		echo '</form>';
	}

	/**
	 * A time as the site shows dates, or "never".
	 *
	 * @param int $timestamp Unix time, 0 for never.
	 */
	private static function when( int $timestamp ): string {
		if ( $timestamp <= 0 ) {
			return __( 'never', 'catalog-sync-woocommerce' );
		}
		return wp_date( get_option( 'date_format' ) . ' ' . get_option( 'time_format' ), $timestamp );
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
