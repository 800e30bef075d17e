<?php
/**
 * The only place that talks to the Catalog Sync API.
 *
 * @package CatalogSync
 */

defined( 'ABSPATH' ) || exit;

/**
 * Sends product events and checks the connection, with the integration token as Bearer.
 */
final class Catalog_Sync_Api {

	const WEBHOOK_PATH = '/api/integrations/woocommerce/webhook/';
	const HEALTH_PATH  = '/api/integrations/woocommerce/health/';

	/**
	 * Seconds an event may take to go out. The request is non-blocking, but the cURL transport
	 * still waits for the upload; a short limit keeps a slow server from slowing product saves.
	 */
	const SEND_TIMEOUT = 2;

	/** Seconds the "Test connection" button waits for the health answer. */
	const HEALTH_TIMEOUT = 10;

	/** @var string Base URL without a trailing slash, e.g. https://catalog.example.com */
	private $api_url;

	/** @var string wc_sk_live_… or wc_sk_test_… */
	private $token;

	/**
	 * @param string $api_url Base URL of the Catalog Sync server.
	 * @param string $token   Integration token.
	 */
	public function __construct( string $api_url, string $token ) {
		$this->api_url = rtrim( $api_url, '/' );
		$this->token   = $token;
	}

	/**
	 * The client for the saved settings, or null while the plugin is not configured.
	 */
	public static function from_options(): ?self {
		$api_url = (string) get_option( CATALOG_SYNC_OPTION_API_URL, '' );
		$token   = (string) get_option( CATALOG_SYNC_OPTION_TOKEN, '' );
		if ( '' === $api_url || '' === $token ) {
			return null;
		}
		return new self( $api_url, $token );
	}

	/**
	 * A fresh idempotency key: the server processes each event_id once, so two real events
	 * must never share one, even for the same product in the same second (different
	 * PHP processes included: the microsecond clock and a random UUID both differ).
	 *
	 * @param int $product_id WooCommerce product id.
	 */
	public static function new_event_id( int $product_id ): string {
		$microseconds = (int) floor( microtime( true ) * 1000000 );
		return sprintf( 'wc_%d_%s_%s', $product_id, dechex( $microseconds ), wp_generate_uuid4() );
	}

	/**
	 * Posts one event without waiting for the answer, so saving a product stays fast.
	 *
	 * @param string              $event_type product.created, product.updated or product.deleted.
	 * @param array<string,mixed> $product    Payload from catalog_sync_build_product_payload(),
	 *                                        or just array( 'id' => … ) for a delete.
	 * @return string The event_id that was sent.
	 */
	public function send_event( string $event_type, array $product ): string {
		$event_id = self::new_event_id( (int) $product['id'] );
		$body     = array(
			'event_id'    => $event_id,
			'event_type'  => $event_type,
			'occurred_at' => gmdate( 'Y-m-d\TH:i:s\Z' ),
			'product'     => $product,
		);
		wp_remote_post(
			$this->url( self::WEBHOOK_PATH ),
			array(
				'blocking' => false,
				'timeout'  => (float) apply_filters( 'catalog_sync_send_timeout', self::SEND_TIMEOUT ),
				'headers'  => $this->headers( array( 'Content-Type' => 'application/json' ) ),
				'body'     => wp_json_encode( $body ),
			)
		);
		return $event_id;
	}

	/**
	 * Asks the health endpoint whether the token is accepted, and waits for the answer.
	 *
	 * @return array<string,mixed>|WP_Error The decoded answer ({"status": "ok", "tenant": …}) or why it failed.
	 */
	public function health_check() {
		$response = wp_remote_get(
			$this->url( self::HEALTH_PATH ),
			array(
				'timeout' => self::HEALTH_TIMEOUT,
				'headers' => $this->headers( array( 'Accept' => 'application/json' ) ),
			)
		);
		if ( is_wp_error( $response ) ) {
			return $response;
		}
		$code = (int) wp_remote_retrieve_response_code( $response );
		$data = json_decode( (string) wp_remote_retrieve_body( $response ), true );
		if ( 200 === $code && is_array( $data ) && 'ok' === ( $data['status'] ?? '' ) ) {
			return $data;
		}
		if ( 401 === $code ) {
			return new WP_Error(
				'catalog_sync_unauthorized',
				__( 'The server refused the token. Check that it was copied whole and has not been revoked.', 'catalog-sync-woocommerce' )
			);
		}
		if ( 403 === $code ) {
			return new WP_Error(
				'catalog_sync_wrong_token_type',
				__( 'This token is not a WooCommerce token. Create one with the integration type "woocommerce".', 'catalog-sync-woocommerce' )
			);
		}
		return new WP_Error(
			'catalog_sync_unexpected_answer',
			/* translators: %d: HTTP status code. */
			sprintf( __( 'Unexpected answer from the server (HTTP %d). Check the API URL.', 'catalog-sync-woocommerce' ), $code )
		);
	}

	/**
	 * @param string $path Absolute path on the server.
	 */
	private function url( string $path ): string {
		return $this->api_url . $path;
	}

	/**
	 * @param array<string,string> $extra Headers for this request.
	 * @return array<string,string>
	 */
	private function headers( array $extra ): array {
		return array_merge(
			array(
				'Authorization' => 'Bearer ' . $this->token,
				'User-Agent'    => 'CatalogSyncWooCommerce/' . CATALOG_SYNC_VERSION,
			),
			$extra
		);
	}
}
