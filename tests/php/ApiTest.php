<?php
/**
 * The client: where events go, how, and what the health check returns.
 *
 * @package CatalogSync\Tests
 */

final class ApiTest extends CS_TestCase {

	const EVENT_ID = '/^wc_414_[0-9a-f]{13,}_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/';

	/**
	 * @param int                 $code HTTP status.
	 * @param array<string,mixed> $body Decoded body.
	 */
	private static function answer( int $code, array $body ): array {
		return array(
			'response' => array( 'code' => $code ),
			'body'     => json_encode( $body ),
		);
	}

	/** @return array<string,mixed> */
	private static function event( string $id ): array {
		return array(
			'event_id'    => $id,
			'event_type'  => 'product.updated',
			'occurred_at' => '2026-11-30T10:00:00Z',
			'product'     => array( 'id' => 414 ),
		);
	}

	public function test_a_batch_is_posted_with_the_token_and_answered_per_event(): void {
		$api                   = new Catalog_Sync_Api( 'https://catalog.example.com/', self::TOKEN );
		CS_WP::$post_responses = array(
			self::answer(
				200,
				array(
					'accepted' => 1,
					'results'  => array(
						array( 'event_id' => 'e1', 'status' => 'accepted' ),
						array( 'event_id' => 'e2', 'status' => 'duplicate' ),
						array( 'event_id' => 'e3', 'status' => 'refused', 'errors' => array( 'product' => array( 'price' => array( 'Enter a price.' ) ) ) ),
					),
				)
			),
		);

		$outcomes = $api->send_batch( array( self::event( 'e1' ), self::event( 'e2' ), self::event( 'e3' ) ) );

		$this->assertSame(
			array(
				'e1' => array( 'status' => 'delivered', 'reason' => '' ),
				'e2' => array( 'status' => 'delivered', 'reason' => '' ),
				'e3' => array( 'status' => 'refused', 'reason' => 'product.price: Enter a price.' ),
			),
			$outcomes
		);
		$call = CS_WP::$remote_posts[0];
		$this->assertSame( 'https://catalog.example.com/api/integrations/woocommerce/webhook/', $call['url'] );
		$this->assertArrayNotHasKey( 'blocking', $call['args'] ); // the background sender waits
		$this->assertSame( 15.0, $call['args']['timeout'] );
		$this->assertSame( 0, $call['args']['redirection'] );
		$this->assertSame(
			array(
				'Authorization' => 'Bearer ' . self::TOKEN,
				'User-Agent'    => 'CatalogSyncWooCommerce/' . CATALOG_SYNC_VERSION,
				'Content-Type'  => 'application/json',
			),
			$call['args']['headers']
		);
		$this->assertSame( array( 'e1', 'e2', 'e3' ), array_column( json_decode( $call['args']['body'], true )['events'], 'event_id' ) );
	}

	public function test_a_failed_request_is_an_error_for_the_whole_batch(): void {
		$api                   = new Catalog_Sync_Api( self::API_URL, self::TOKEN );
		CS_WP::$post_responses = array(
			new WP_Error( 'http_request_failed', 'cURL error 28: Operation timed out' ),
			self::answer( 503, array( 'detail' => 'Maintenance' ) ),
			self::answer( 401, array( 'detail' => 'Invalid token.' ) ),
		);

		$this->assertSame( 'cURL error 28: Operation timed out', $api->send_batch( array( self::event( 'e1' ) ) )->get_error_message() );
		$this->assertSame( 'The server answered HTTP 503. Maintenance', $api->send_batch( array( self::event( 'e1' ) ) )->get_error_message() );
		$this->assertSame( 'The server answered HTTP 401. Invalid token.', $api->send_batch( array( self::event( 'e1' ) ) )->get_error_message() );
	}

	public function test_a_server_without_batches_gets_the_events_one_by_one(): void {
		$api                   = new Catalog_Sync_Api( self::API_URL, self::TOKEN );
		CS_WP::$post_responses = array(
			self::answer( 400, array( 'event_id' => array( 'This field is required.' ) ) ),
			self::answer( 202, array( 'status' => 'accepted' ) ),
			self::answer( 400, array( 'product' => array( 'name' => array( 'Required.' ) ) ) ),
		);

		$outcomes = $api->send_batch( array( self::event( 'e1' ), self::event( 'e2' ) ) );

		$this->assertSame(
			array(
				'e1' => array( 'status' => 'delivered', 'reason' => '' ),
				'e2' => array( 'status' => 'refused', 'reason' => 'product.name: Required.' ),
			),
			$outcomes
		);
		$this->assertSame( 'e1', json_decode( CS_WP::$remote_posts[1]['args']['body'], true )['event_id'] );
	}

	public function test_send_timeout_can_be_filtered(): void {
		add_filter(
			'catalog_sync_send_timeout',
			static function () {
				return 5;
			}
		);

		( new Catalog_Sync_Api( self::API_URL, self::TOKEN ) )->send_batch( array( self::event( 'e1' ) ) );

		$this->assertSame( 5.0, CS_WP::$remote_posts[0]['args']['timeout'] );
	}

	public function test_validate_posts_the_products_and_returns_the_answer(): void {
		CS_WP::$post_responses = array( self::answer( 200, array( 'valid' => 1, 'invalid' => 0, 'results' => array( array( 'id' => 414, 'valid' => true ) ) ) ) );

		$answer = ( new Catalog_Sync_Api( self::API_URL, self::TOKEN ) )->validate_products( array( array( 'id' => 414 ) ) );

		$this->assertSame( 1, $answer['valid'] );
		$this->assertSame( self::API_URL . '/api/integrations/woocommerce/validate/', CS_WP::$remote_posts[0]['url'] );
		$this->assertSame( array( 'products' => array( array( 'id' => 414 ) ) ), json_decode( CS_WP::$remote_posts[0]['args']['body'], true ) );
	}

	public function test_event_ids_for_one_product_in_one_second_all_differ(): void {
		$ids = array();
		for ( $i = 0; $i < 2000; $i++ ) {
			$ids[] = Catalog_Sync_Api::new_event_id( 414 );
		}

		$this->assertCount( 2000, array_unique( $ids ) );
		foreach ( $ids as $id ) {
			$this->assertMatchesRegularExpression( self::EVENT_ID, $id );
			$this->assertLessThanOrEqual( 64, strlen( $id ) );
		}
	}

	public function test_health_check_returns_the_decoded_answer(): void {
		CS_WP::$get_response = array(
			'response' => array( 'code' => 200 ),
			'body'     => '{"status": "ok", "tenant": "Acme", "integration_type": "woocommerce"}',
		);

		$result = ( new Catalog_Sync_Api( self::API_URL, self::TOKEN ) )->health_check();

		$this->assertSame(
			array(
				'status'           => 'ok',
				'tenant'           => 'Acme',
				'integration_type' => 'woocommerce',
			),
			$result
		);
		$this->assertCount( 1, CS_WP::$remote_gets );
		$call = CS_WP::$remote_gets[0];
		$this->assertSame( 'https://catalog.example.com/api/integrations/woocommerce/health/', $call['url'] );
		$this->assertArrayNotHasKey( 'blocking', $call['args'] );
		$this->assertSame( 10, $call['args']['timeout'] );
		$this->assertSame( 'Bearer ' . self::TOKEN, $call['args']['headers']['Authorization'] );
		$this->assertSame( array(), CS_WP::$remote_posts );
	}

	public function test_health_check_401_is_a_refused_token(): void {
		CS_WP::$get_response = array(
			'response' => array( 'code' => 401 ),
			'body'     => '{"detail": "Invalid token."}',
		);

		$result = ( new Catalog_Sync_Api( self::API_URL, self::TOKEN ) )->health_check();

		$this->assertInstanceOf( WP_Error::class, $result );
		$this->assertSame( 'catalog_sync_unauthorized', $result->get_error_code() );
	}

	public function test_health_check_403_is_a_token_of_another_integration(): void {
		CS_WP::$get_response = array(
			'response' => array( 'code' => 403 ),
			'body'     => '{"detail": "This token is not a woocommerce token."}',
		);

		$result = ( new Catalog_Sync_Api( self::API_URL, self::TOKEN ) )->health_check();

		$this->assertSame( 'catalog_sync_wrong_token_type', $result->get_error_code() );
	}

	public function test_health_check_other_answers_name_the_status(): void {
		CS_WP::$get_response = array(
			'response' => array( 'code' => 404 ),
			'body'     => '<html>Not found</html>',
		);

		$result = ( new Catalog_Sync_Api( self::API_URL, self::TOKEN ) )->health_check();

		$this->assertSame( 'catalog_sync_unexpected_answer', $result->get_error_code() );
		$this->assertSame( 'Unexpected answer from the server (HTTP 404). Check the API URL.', $result->get_error_message() );
	}

	public function test_health_check_passes_transport_errors_through(): void {
		CS_WP::$get_response = new WP_Error( 'http_request_failed', 'cURL error 6: Could not resolve host' );

		$result = ( new Catalog_Sync_Api( self::API_URL, self::TOKEN ) )->health_check();

		$this->assertSame( CS_WP::$get_response, $result );
	}

	public function test_from_options_needs_both_settings(): void {
		$this->assertNull( Catalog_Sync_Api::from_options() );
		CS_WP::$options[ CATALOG_SYNC_OPTION_API_URL ] = self::API_URL;
		$this->assertNull( Catalog_Sync_Api::from_options() );
		CS_WP::$options[ CATALOG_SYNC_OPTION_TOKEN ] = self::TOKEN;
		$this->assertInstanceOf( Catalog_Sync_Api::class, Catalog_Sync_Api::from_options() );
	}

	public function test_the_token_is_only_used_with_the_url_it_was_saved_for(): void {
		$this->configure();
		$this->assertNotNull( Catalog_Sync_Api::from_options() );

		CS_WP::$options[ CATALOG_SYNC_OPTION_API_URL ] = 'https://elsewhere.example.net';

		$this->assertNull( Catalog_Sync_Api::from_options() );
	}

	public function test_a_token_saved_before_binding_is_bound_to_the_current_url(): void {
		$this->configure();
		unset( CS_WP::$options[ CATALOG_SYNC_OPTION_TOKEN_URL ] );

		$this->assertSame( self::API_URL, Catalog_Sync_Api::from_options()->api_url() );
		$this->assertSame( self::API_URL, CS_WP::$options[ CATALOG_SYNC_OPTION_TOKEN_URL ] );
	}
}
