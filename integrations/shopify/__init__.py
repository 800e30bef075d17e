"""Shopify: store connection, GraphQL Admin API client, mapper and the pull source."""
