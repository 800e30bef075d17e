"""WooCommerce: store connection, REST v3 client, mapper and the pull source."""
