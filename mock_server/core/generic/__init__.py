"""What the engine does for an operation no profile implements: state inferred from the spec
(``plan``), kept in a ``store``, served by ``handlers``; documented examples or generated bodies
otherwise (``responses``); errors in the spec's documented shape (``errors``). DESIGN decisions 32-35."""
