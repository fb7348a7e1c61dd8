"""The gate for any spec: checks derived from the spec alone (security matrix, documented error
bodies, CRUD walks), run against any deployment of any OpenAPI 3.0 contract."""
