"""Small shared building blocks with no business rules (not a Django app)."""
