"""Real-time doors in: the plugin webhook (integration tokens), native WooCommerce and Shopify
webhooks. All of them feed the engine's upsert, one record at a time."""
