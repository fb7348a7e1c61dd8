"""Dakkio's rules, one module per resource, each a set of functions over the one ``State``.

They return domain objects (``model``) or raise the core's typed errors; they never see HTTP:
no headers, no request paths, no wire JSON (that is ``views``).
"""
