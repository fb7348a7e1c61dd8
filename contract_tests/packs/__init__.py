"""Profile packs: the semantic suites of an API the gate knows (``packs/<name>/``), added to the generic
gate when the target's spec is that API's (``--pack auto``) or when asked (``--pack NAME``)."""
