<?php
/**
 * Hand-written stand-ins for the WordPress and WooCommerce functions the plugin calls.
 *
 * They keep options, transients, hooks and cron events in CS_WP arrays and record every HTTP
 * call, redirect and wp_die, so tests assert exactly what the plugin did.
 *
 * @package CatalogSync\Tests
 */

define( 'ABSPATH', __DIR__ . '/' );
define( 'MINUTE_IN_SECONDS', 60 );
define( 'HOUR_IN_SECONDS', 3600 );
define( 'DAY_IN_SECONDS', 86400 );

require_once __DIR__ . '/wpdb.php';

/** Raised by wp_die(): WordPress would stop the request here. */
class CS_Died extends RuntimeException {
	/** @var array<string,mixed> */
	public $args;

	/**
	 * @param string              $message Message shown.
	 * @param array<string,mixed> $args    wp_die() arguments.
	 */
	public function __construct( string $message, array $args ) {
		parent::__construct( $message );
		$this->args = $args;
	}
}

/** Raised by wp_safe_redirect(): the handler would exit right after. */
class CS_Redirected extends RuntimeException {
}

/** The fake WordPress state; reset() before every test. */
final class CS_WP {
	/** @var array<string,array<int,array{0:callable,1:int}>> */
	public static $hooks = array();
	/** @var array<string,mixed> */
	public static $options = array();
	/** @var array<string,array{0:mixed,1:int}> name => [value, expires at] */
	public static $transients = array();
	/** @var int The clock transients expire against. */
	public static $now = 0;
	/** @var array<int,array{url:string,args:array<string,mixed>}> */
	public static $remote_posts = array();
	/** @var array<int,array{url:string,args:array<string,mixed>}> */
	public static $remote_gets = array();
	/** @var array<string,mixed>|WP_Error What the next wp_remote_get() returns. */
	public static $get_response = array();
	/** @var array<int,array{setting:string,code:string,message:string}> */
	public static $settings_errors = array();
	/** @var array<string,int> "hook|json args" => timestamp */
	public static $cron = array();
	/** @var array<int,string> post id => post type */
	public static $post_types = array();
	/** @var array<int,WC_Product> */
	public static $products = array();
	/** @var array<string,string[]> "id|taxonomy" => names */
	public static $terms = array();
	/** @var array<int,string> attachment id => URL */
	public static $attachments = array();
	/** @var string[] */
	public static $caps = array();
	/** @var bool */
	public static $is_admin = false;
	/** @var string[] */
	public static $nonces_checked = array();
	/** @var string[] */
	public static $deactivated = array();
	/** @var array<int,array<string,mixed>|WP_Error> What the next wp_remote_post() calls return. */
	public static $post_responses = array();
	/** @var callable|null Runs inside wp_remote_post(), e.g. to change data meanwhile. */
	public static $during_post = null;
	/** @var array<int,array<string,mixed>> post id => post fields (post_status). */
	public static $posts = array();
	/** @var bool */
	public static $doing_ajax = false;
	/** @var string The hook being run by do_action(). */
	public static $current_action = '';

	public static function reset(): void {
		self::$hooks           = array();
		self::$options         = array();
		self::$transients      = array();
		self::$now             = time();
		self::$remote_posts    = array();
		self::$remote_gets     = array();
		self::$get_response    = array();
		self::$settings_errors = array();
		self::$cron            = array();
		self::$post_types      = array();
		self::$products        = array();
		self::$terms           = array();
		self::$attachments     = array();
		self::$caps            = array();
		self::$is_admin        = false;
		self::$nonces_checked  = array();
		self::$deactivated     = array();
		self::$post_responses  = array();
		self::$during_post     = null;
		self::$posts           = array();
		self::$doing_ajax      = false;
		self::$current_action  = '';
		$GLOBALS['wpdb']       = new CS_Wpdb();
	}

	/**
	 * Rows of the outbox table, by product id.
	 *
	 * @return array<int,array<string,string>>
	 */
	public static function outbox(): array {
		global $wpdb;
		$rows = array();
		foreach ( $wpdb->get_results( 'SELECT * FROM wp_catalog_sync_outbox ORDER BY product_id' ) as $row ) {
			$rows[ (int) $row['product_id'] ] = $row;
		}
		return $rows;
	}

	/**
	 * Hook names that have at least one callback.
	 *
	 * @return string[]
	 */
	public static function hook_names(): array {
		$names = array_keys( array_filter( self::$hooks ) );
		sort( $names );
		return $names;
	}

	/**
	 * Decoded bodies of the events posted so far.
	 *
	 * @return array<int,array<string,mixed>>
	 */
	public static function sent_events(): array {
		return array_map(
			static function ( array $call ): array {
				return json_decode( $call['args']['body'], true );
			},
			self::$remote_posts
		);
	}
}

class WP_Error {
	/** @var string */
	private $code;
	/** @var string */
	private $message;

	public function __construct( string $code = '', string $message = '' ) {
		$this->code    = $code;
		$this->message = $message;
	}

	public function get_error_code(): string {
		return $this->code;
	}

	public function get_error_message(): string {
		return $this->message;
	}
}

// Hooks.
function add_action( string $hook, $callback, int $priority = 10, int $accepted_args = 1 ): bool {
	CS_WP::$hooks[ $hook ][] = array( $callback, $accepted_args );
	return true;
}
function add_filter( string $hook, $callback, int $priority = 10, int $accepted_args = 1 ): bool {
	return add_action( $hook, $callback, $priority, $accepted_args );
}
function apply_filters( string $hook, $value, ...$args ) {
	foreach ( CS_WP::$hooks[ $hook ] ?? array() as $entry ) {
		$value = call_user_func_array( $entry[0], array_slice( array_merge( array( $value ), $args ), 0, $entry[1] ) );
	}
	return $value;
}
function do_action( string $hook, ...$args ): void {
	$previous               = CS_WP::$current_action;
	CS_WP::$current_action = $hook;
	foreach ( CS_WP::$hooks[ $hook ] ?? array() as $entry ) {
		call_user_func_array( $entry[0], array_slice( $args, 0, $entry[1] ) );
	}
	CS_WP::$current_action = $previous;
}
function doing_action( string $hook ): bool {
	return CS_WP::$current_action === $hook;
}
function register_activation_hook( string $file, $callback ): void {
	add_action( 'activate_' . basename( $file ), $callback );
}

// Options and transients.
function get_option( string $name, $default = false ) {
	return array_key_exists( $name, CS_WP::$options ) ? CS_WP::$options[ $name ] : $default;
}
function update_option( string $name, $value ): bool {
	CS_WP::$options[ $name ] = $value;
	return true;
}
function add_option( string $name, $value = '', $deprecated = '', $autoload = null ): bool {
	if ( array_key_exists( $name, CS_WP::$options ) ) {
		return false;
	}
	CS_WP::$options[ $name ] = $value;
	return true;
}
function delete_option( string $name ): bool {
	unset( CS_WP::$options[ $name ] );
	return true;
}
function set_transient( string $name, $value, int $expiration = 0 ): bool {
	CS_WP::$transients[ $name ] = array( $value, $expiration > 0 ? CS_WP::$now + $expiration : PHP_INT_MAX );
	return true;
}
function get_transient( string $name ) {
	if ( ! isset( CS_WP::$transients[ $name ] ) || CS_WP::$transients[ $name ][1] <= CS_WP::$now ) {
		unset( CS_WP::$transients[ $name ] );
		return false;
	}
	return CS_WP::$transients[ $name ][0];
}
function delete_transient( string $name ): bool {
	unset( CS_WP::$transients[ $name ] );
	return true;
}

// Cron.
function cs_cron_key( string $hook, array $args ): string {
	return $hook . '|' . json_encode( $args );
}
function wp_next_scheduled( string $hook, array $args = array() ) {
	return CS_WP::$cron[ cs_cron_key( $hook, $args ) ] ?? false;
}
function wp_schedule_single_event( int $timestamp, string $hook, array $args = array() ): bool {
	CS_WP::$cron[ cs_cron_key( $hook, $args ) ] = $timestamp;
	return true;
}
function wp_schedule_event( int $timestamp, string $recurrence, string $hook, array $args = array() ): bool {
	CS_WP::$cron[ cs_cron_key( $hook, $args ) ] = $timestamp;
	return true;
}
function wp_unschedule_event( int $timestamp, string $hook, array $args = array() ): bool {
	unset( CS_WP::$cron[ cs_cron_key( $hook, $args ) ] );
	return true;
}
function wp_clear_scheduled_hook( string $hook, array $args = array() ): int {
	unset( CS_WP::$cron[ cs_cron_key( $hook, $args ) ] );
	return 1;
}

// HTTP.
function wp_remote_post( string $url, array $args = array() ) {
	CS_WP::$remote_posts[] = array(
		'url'  => $url,
		'args' => $args,
	);
	if ( CS_WP::$during_post ) {
		call_user_func( CS_WP::$during_post, $url, $args );
	}
	return CS_WP::$post_responses ? array_shift( CS_WP::$post_responses ) : array();
}
function wp_remote_get( string $url, array $args = array() ) {
	CS_WP::$remote_gets[] = array(
		'url'  => $url,
		'args' => $args,
	);
	return CS_WP::$get_response;
}
function wp_remote_retrieve_response_code( $response ) {
	return $response['response']['code'] ?? '';
}
function wp_remote_retrieve_body( $response ): string {
	return $response['body'] ?? '';
}
function is_wp_error( $thing ): bool {
	return $thing instanceof WP_Error;
}

// Formatting, escaping, i18n.
function wp_json_encode( $data ) {
	return json_encode( $data );
}
function wp_generate_uuid4(): string {
	return sprintf(
		'%04x%04x-%04x-%04x-%04x-%04x%04x%04x',
		mt_rand( 0, 0xffff ),
		mt_rand( 0, 0xffff ),
		mt_rand( 0, 0xffff ),
		mt_rand( 0, 0x0fff ) | 0x4000,
		mt_rand( 0, 0x3fff ) | 0x8000,
		mt_rand( 0, 0xffff ),
		mt_rand( 0, 0xffff ),
		mt_rand( 0, 0xffff )
	);
}
function __( string $text, string $domain = 'default' ): string {
	return $text;
}
function _n( string $single, string $plural, int $number, string $domain = 'default' ): string {
	return 1 === $number ? $single : $plural;
}
function load_plugin_textdomain( string $domain, $deprecated = false, string $path = '' ): bool {
	CS_WP::$options['cs_textdomain_path'] = $path;
	return true;
}
function wp_rand( int $min = 0, int $max = 0 ): int {
	return mt_rand( $min, $max );
}
function wp_generate_password( int $length = 12, bool $special = true ): string {
	return substr( str_repeat( 'k3yK3y', 10 ), 0, $length );
}
function wp_unslash( $value ) {
	return is_string( $value ) ? stripslashes( $value ) : $value;
}
function sanitize_text_field( string $text ): string {
	return trim( strip_tags( $text ) );
}
function absint( $value ): int {
	return abs( (int) $value );
}
function wp_doing_ajax(): bool {
	return CS_WP::$doing_ajax;
}
function wp_doing_cron(): bool {
	return false;
}
function human_time_diff( int $from, int $to = 0 ): string {
	return (string) round( ( ( $to ?: time() ) - $from ) / 3600 ) . ' hours';
}
function wp_date( string $format, int $timestamp ): string {
	return gmdate( 'Y-m-d H:i', $timestamp );
}
function esc_html( $text ): string {
	return htmlspecialchars( (string) $text, ENT_QUOTES, 'UTF-8' );
}
function esc_attr( $text ): string {
	return esc_html( $text );
}
function esc_html__( string $text, string $domain = 'default' ): string {
	return esc_html( $text );
}
function esc_url( string $url ): string {
	return esc_html( $url );
}
function esc_url_raw( string $url, ?array $protocols = null ): string {
	$url    = preg_replace( '|[^a-z0-9-~+_.?#=!&;,/:%@$\|*\'()\[\]\x80-\xff]|i', '', $url );
	$scheme = strtolower( (string) parse_url( $url, PHP_URL_SCHEME ) );
	return ( null === $protocols || in_array( $scheme, $protocols, true ) ) ? $url : '';
}
function wp_parse_url( string $url, int $component = -1 ) {
	return parse_url( $url, $component );
}
function untrailingslashit( string $value ): string {
	return rtrim( $value, '/\\' );
}

// Settings, admin, users.
function add_settings_error( string $setting, string $code, string $message, string $type = 'error' ): void {
	CS_WP::$settings_errors[] = array(
		'setting' => $setting,
		'code'    => $code,
		'message' => $message,
	);
}
function is_admin(): bool {
	return CS_WP::$is_admin;
}
function current_user_can( string $capability ): bool {
	return in_array( $capability, CS_WP::$caps, true );
}
function get_current_user_id(): int {
	return 7;
}
function check_admin_referer( string $action ) {
	CS_WP::$nonces_checked[] = $action;
	return 1;
}
function admin_url( string $path = '' ): string {
	return 'https://shop.example.com/wp-admin/' . $path;
}
function wp_safe_redirect( string $location ): void {
	throw new CS_Redirected( $location );
}
function wp_die( $message = '', $title = '', $args = array() ): void {
	throw new CS_Died( (string) $message, (array) $args );
}
function plugin_basename( string $file ): string {
	return basename( dirname( $file ) ) . '/' . basename( $file );
}
function deactivate_plugins( $plugins ): void {
	CS_WP::$deactivated = array_merge( CS_WP::$deactivated, (array) $plugins );
}

// Posts and WooCommerce.
function get_post_type( $post_id ) {
	return CS_WP::$post_types[ (int) $post_id ] ?? false;
}
function get_post_status( $post_id ) {
	return CS_WP::$posts[ (int) $post_id ]['post_status'] ?? 'publish';
}
function get_the_title( $post_id ): string {
	$product = CS_WP::$products[ (int) $post_id ] ?? null;
	return $product ? (string) $product->get_name() : '';
}
function clean_post_cache( $post_id ): void {
}
function get_posts( array $args ): array {
	$ids = array_keys( CS_WP::$products );
	sort( $ids );
	$size = (int) $args['posts_per_page'];
	return array_slice( $ids, ( max( 1, (int) ( $args['paged'] ?? 1 ) ) - 1 ) * $size, $size );
}
function wc_get_product( $product_id ) {
	return CS_WP::$products[ (int) $product_id ] ?? false;
}
function wp_get_post_terms( int $post_id, string $taxonomy, array $args = array() ) {
	return CS_WP::$terms[ $post_id . '|' . $taxonomy ] ?? array();
}
function wp_get_attachment_url( int $attachment_id ) {
	return CS_WP::$attachments[ $attachment_id ] ?? false;
}
function get_woocommerce_currency(): string {
	return 'USD';
}

// Settings API output: markers are enough to see what the page rendered.
function settings_errors(): void {
	echo '<!-- settings_errors -->';
}
function settings_fields( string $group ): void {
	echo '<!-- settings_fields ' . esc_html( $group ) . ' -->';
}
function do_settings_sections( string $page ): void {
	echo '<!-- sections ' . esc_html( $page ) . ' -->';
}
function submit_button( ?string $text = null, string $type = 'primary', string $name = 'submit', bool $wrap = true ): void {
	echo '<input type="submit" name="' . esc_attr( $name ) . '" value="' . esc_attr( $text ?? 'Save Changes' ) . '" />';
}
function wp_nonce_field( string $action ): void {
	echo '<input type="hidden" name="_wpnonce" value="nonce-' . esc_attr( $action ) . '" />';
}

// Uninstall.
function is_multisite(): bool {
	return false;
}
function wp_unschedule_hook( string $hook ): int {
	foreach ( array_keys( CS_WP::$cron ) as $key ) {
		if ( 0 === strpos( $key, $hook . '|' ) ) {
			unset( CS_WP::$cron[ $key ] );
		}
	}
	return 1;
}
