"""Thin handlers, one function per operationId (see ``core.profile``)."""
