"""Thin handlers, one module per resource, one function per operationId: parse, call a service,
shape the response with ``views``. The core passes ``state`` and the authenticated ``principal``."""
