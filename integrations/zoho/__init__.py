"""Zoho Inventory: OAuth credential, client, mapper and the pull source."""
