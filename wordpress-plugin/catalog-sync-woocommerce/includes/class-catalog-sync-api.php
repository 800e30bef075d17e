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

	const VALIDATE_PATH = '/api/integrations/woocommerce/validate/';

	/**
	 * Seconds the background sender waits for a batch's answer (no shop request ever waits).
	 */
	const SEND_TIMEOUT = 15;

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
		$bound = get_option( CATALOG_SYNC_OPTION_TOKEN_URL, false );
		if ( false === $bound ) {
			// Saved by version 1.0, before tokens were bound: bind it to the URL it works with.
			update_option( CATALOG_SYNC_OPTION_TOKEN_URL, $api_url, false );
			$bound = $api_url;
		}
		if ( untrailingslashit( (string) $bound ) !== untrailingslashit( $api_url ) ) {
			return null; // The token is only ever sent to the URL it was saved with.
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
	 * Posts several events in one request and waits for the answer: this runs in the background
	 * sender, never in a shop request.
	 *
	 * @param array<int,array<string,mixed>> $events Event bodies (event_id, event_type, product).
	 * @return array<string,array{status:string,reason:string}>|WP_Error Per event id: "delivered"
	 *         or "refused" with the server's reason; a WP_Error when the request as a whole
	 *         failed (unreachable, timeout, 5xx, token refused), so every event is retried.
	 */
	public function send_batch( array $events ) {
		$response = $this->post_json( self::WEBHOOK_PATH, array( 'events' => $events ), self::SEND_TIMEOUT );
		if ( is_wp_error( $response ) ) {
			return $response;
		}
		$code = (int) wp_remote_retrieve_response_code( $response );
		$data = json_decode( (string) wp_remote_retrieve_body( $response ), true );
		if ( 200 === $code && is_array( $data ) && isset( $data['results'] ) && is_array( $data['results'] ) ) {
			$outcomes = array();
			foreach ( $data['results'] as $result ) {
				if ( ! is_array( $result ) || ! isset( $result['event_id'] ) ) {
					continue;
				}
				$refused                                 = 'refused' === ( $result['status'] ?? '' );
				$outcomes[ (string) $result['event_id'] ] = array(
					'status' => $refused ? 'refused' : 'delivered',
					'reason' => $refused ? self::reason( $result['errors'] ?? array() ) : '',
				);
			}
			return $outcomes;
		}
		if ( 400 === $code ) {
			// A server that predates batches refuses the wrapper: send the events one by one.
			$outcomes = array();
			foreach ( $events as $event ) {
				$outcome = $this->send_one( $event );
				if ( is_wp_error( $outcome ) ) {
					return $outcome;
				}
				$outcomes += $outcome;
			}
			return $outcomes;
		}
		return self::failure( $code, $data );
	}

	/**
	 * Posts one event in today's single-event shape (servers that predate batches).
	 *
	 * @param array<string,mixed> $event Event body.
	 * @return array<string,array{status:string,reason:string}>|WP_Error
	 */
	public function send_one( array $event ) {
		$response = $this->post_json( self::WEBHOOK_PATH, $event, self::SEND_TIMEOUT );
		if ( is_wp_error( $response ) ) {
			return $response;
		}
		$code = (int) wp_remote_retrieve_response_code( $response );
		$data = json_decode( (string) wp_remote_retrieve_body( $response ), true );
		$id   = (string) $event['event_id'];
		if ( 200 === $code || 202 === $code ) {
			return array( $id => array( 'status' => 'delivered', 'reason' => '' ) );
		}
		if ( 400 === $code || 413 === $code ) {
			return array( $id => array( 'status' => 'refused', 'reason' => self::reason( is_array( $data ) ? $data : array() ) ) );
		}
		return self::failure( $code, $data );
	}

	/**
	 * Asks the server whether these products would be accepted (nothing is stored there).
	 *
	 * @param array<int,array<string,mixed>> $products Product payloads.
	 * @return array<string,mixed>|WP_Error The decoded answer, or why it failed.
	 */
	public function validate_products( array $products ) {
		$response = $this->post_json( self::VALIDATE_PATH, array( 'products' => $products ), self::HEALTH_TIMEOUT );
		if ( is_wp_error( $response ) ) {
			return $response;
		}
		$code = (int) wp_remote_retrieve_response_code( $response );
		$data = json_decode( (string) wp_remote_retrieve_body( $response ), true );
		if ( 200 === $code && is_array( $data ) && isset( $data['results'] ) ) {
			return $data;
		}
		return self::failure( $code, $data );
	}

	/**
	 * Field errors from the server as one readable line: "price: Enter a price of zero or more."
	 *
	 * @param mixed  $errors Decoded error body.
	 * @param string $path   Field path so far.
	 */
	public static function reason( $errors, string $path = '' ): string {
		if ( is_string( $errors ) || is_numeric( $errors ) ) {
			return ( '' === $path ? '' : $path . ': ' ) . $errors;
		}
		if ( ! is_array( $errors ) ) {
			return '';
		}
		$parts = array();
		foreach ( $errors as $key => $value ) {
			$name    = is_int( $key ) || 'detail' === $key || 'non_field_errors' === $key ? $path : ( '' === $path ? $key : $path . '.' . $key );
			$parts[] = self::reason( $value, $name );
		}
		return implode( '; ', array_filter( $parts ) );
	}

	/**
	 * A failed request as a WP_Error naming the status and the server's message.
	 *
	 * @param int   $code HTTP status.
	 * @param mixed $data Decoded body.
	 */
	private static function failure( int $code, $data ): WP_Error {
		$detail = is_array( $data ) ? self::reason( $data ) : '';
		return new WP_Error(
			'catalog_sync_http_' . $code,
			/* translators: 1: HTTP status code, 2: the server's message. */
			trim( sprintf( __( 'The server answered HTTP %1$d. %2$s', 'catalog-sync-woocommerce' ), $code, $detail ) )
		);
	}

	/**
	 * A blocking JSON POST (background sender and admin buttons only).
	 *
	 * @param string              $path    Path on the server.
	 * @param array<string,mixed> $body    JSON body.
	 * @param int                 $timeout Seconds.
	 * @return array<string,mixed>|WP_Error
	 */
	private function post_json( string $path, array $body, int $timeout ) {
		return wp_remote_post(
			$this->url( $path ),
			array(
				'timeout'     => (float) apply_filters( 'catalog_sync_send_timeout', $timeout ),
				'redirection' => 0,
				'headers'     => $this->headers( array( 'Content-Type' => 'application/json' ) ),
				'body'        => wp_json_encode( $body ),
			)
		);
	}

	/**
	 * The server this client talks to.
	 */
	public function api_url(): string {
		return $this->api_url;
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
