"""The one pull engine shared by every provider: records in, bulk upserts out."""
