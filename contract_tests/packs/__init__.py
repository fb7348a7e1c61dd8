"""Profile packs: the semantic suites of an API the gate knows (``packs/<name>/``), added to the generic
gate when the target's spec is that API's (``--pack auto``) or when asked (``--pack NAME``)."""


def decorator(case_marks):
    """``case(op, title, **kw)``: the decorator form of a pack's ``case_marks`` (the marks of one case:
    its operation and title for the report, documented or our decision for ``--lenient``)."""
    def case(op: str, title: str, **kw):
        def wrap(fn):
            for mark in case_marks(op, title, **kw):
                fn = mark(fn)
            return fn
        return wrap
    return case
