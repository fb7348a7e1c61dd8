"""Dakkio's error messages, as the docs (and DESIGN decisions 1-3, 18, 19) pin them.

Services raise the core's typed errors with these messages; ``envelope.py`` renders them.
"""

from ...core.errors import BadRequest

INVALID_PARAMS = "Invalid request parameters"
UNAUTHORIZED = "Invalid or missing API key"
NO_BUCKET_ACCESS = "API key does not have access to this bucket"
BUCKET_NOT_FOUND = "Bucket not found"
SOURCE_NOT_FOUND = "Data source not found"
KEY_NOT_FOUND = "API key not found"
UNEXPECTED = "An unexpected error occurred"


def invalid(path: list, message: str) -> BadRequest:
    """A 400 with one Zod-style detail."""
    return BadRequest(INVALID_PARAMS, [{"path": path, "message": message}])
