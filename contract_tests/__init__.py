"""A conformance suite for any Dakkio deployment: it speaks only HTTP to a base URL."""
