"""Thin handlers, one module per resource: parse, call the store, shape the response."""


def reply(token_info: dict, body: dict, status: int = 200):
    """The body with an explicit JSON content type and the quota headers the spec requires."""
    headers = token_info["store"].rate_limit_headers()
    headers["Content-Type"] = "application/json"
    return body, status, headers
