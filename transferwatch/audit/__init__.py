"""The tamper-evident audit trail: an append-only, HMAC-hash-chained event table."""
