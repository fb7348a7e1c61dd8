"""The engine: knows no API. Spec loading, the Connexion app, validation, the fast path, middleware,
the control API and the CLI; a ``profile`` supplies everything API-specific."""
