<?php
/**
 * The client: where events go, how, and what the health check returns.
 *
 * @package CatalogSync\Tests
 */

final class ApiTest extends CS_TestCase {

	const EVENT_ID = '/^wc_414_[0-9a-f]{13,}_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/';

	public function test_event_is_posted_non_blocking_with_bearer_token_to_the_webhook(): void {
		$api = new Catalog_Sync_Api( 'https://catalog.example.com/', self::TOKEN );

		$event_id = $api->send_event( 'product.updated', array( 'id' => 414, 'name' => 'Shoe' ) );

		$this->assertCount( 1, CS_WP::$remote_posts );
		$call = CS_WP::$remote_posts[0];
		$this->assertSame( 'https://catalog.example.com/api/integrations/woocommerce/webhook/', $call['url'] );
		$this->assertFalse( $call['args']['blocking'] );
		$this->assertSame( 2.0, $call['args']['timeout'] );
		$this->assertSame(
			array(
				'Authorization' => 'Bearer ' . self::TOKEN,
				'User-Agent'    => 'CatalogSyncWooCommerce/1.0.0',
				'Content-Type'  => 'application/json',
			),
			$call['args']['headers']
		);
		$body = json_decode( $call['args']['body'], true );
		$this->assertSame( array( 'event_id', 'event_type', 'occurred_at', 'product' ), array_keys( $body ) );
		$this->assertSame( $event_id, $body['event_id'] );
		$this->assertMatchesRegularExpression( self::EVENT_ID, $event_id );
		$this->assertSame( 'product.updated', $body['event_type'] );
		$this->assertMatchesRegularExpression( '/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/', $body['occurred_at'] );
		$this->assertSame( array( 'id' => 414, 'name' => 'Shoe' ), $body['product'] );
		$this->assertSame( array(), CS_WP::$remote_gets );
	}

	public function test_send_timeout_can_be_filtered(): void {
		add_filter(
			'catalog_sync_send_timeout',
			static function () {
				return 5;
			}
		);

		( new Catalog_Sync_Api( self::API_URL, self::TOKEN ) )->send_event( 'product.deleted', array( 'id' => 1 ) );

		$this->assertSame( 5.0, CS_WP::$remote_posts[0]['args']['timeout'] );
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

	public function test_events_sent_back_to_back_carry_different_ids(): void {
		$api = new Catalog_Sync_Api( self::API_URL, self::TOKEN );

		$first  = $api->send_event( 'product.updated', array( 'id' => 414 ) );
		$second = $api->send_event( 'product.updated', array( 'id' => 414 ) );

		$this->assertNotSame( $first, $second );
		$this->assertSame( array( $first, $second ), array_column( CS_WP::sent_events(), 'event_id' ) );
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
}
