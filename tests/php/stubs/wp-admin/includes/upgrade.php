<?php
/**
 * Stand-in for wp-admin/includes/upgrade.php: dbDelta() is defined in stubs/wpdb.php.
 *
 * @package CatalogSync\Tests
 */
