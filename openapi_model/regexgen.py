"""A string matching a regular expression (for schema ``pattern``s), from Python's own parser.

Small on purpose: literals, classes, ranges, categories (\\d \\w \\s), repeats (bounded), groups,
alternation, anchors. Anything else (look-arounds, back-references) gives None: the caller
falls back to a plain string.
"""

from __future__ import annotations

import random
import re
import string

try:
    from re import _parser as sre_parse  # Python 3.11+
except ImportError:  # pragma: no cover
    import sre_parse  # type: ignore[no-redef]

_CATEGORIES = {
    "CATEGORY_DIGIT": string.digits, "CATEGORY_WORD": string.ascii_letters + string.digits + "_",
    "CATEGORY_SPACE": " ", "CATEGORY_NOT_DIGIT": string.ascii_letters, "CATEGORY_NOT_WORD": "-.",
    "CATEGORY_NOT_SPACE": string.ascii_letters,
}
_ANY = string.ascii_letters + string.digits
_MAX_REPEAT = 4


class _Unsupported(Exception):
    pass


def generate(pattern: str, rng: random.Random) -> str | None:
    try:
        parsed = sre_parse.parse(pattern)
        text = _emit(parsed, rng)
    except (_Unsupported, re.error, RecursionError):
        return None
    return text if re.search(pattern, text) else None


def _emit(items, rng) -> str:
    out = []
    for op, arg in items:
        name = str(op)
        if name == "LITERAL":
            out.append(chr(arg))
        elif name == "NOT_LITERAL":
            out.append(next(c for c in _ANY if ord(c) != arg))
        elif name == "ANY":
            out.append(rng.choice(_ANY))
        elif name == "IN":
            out.append(_in(arg, rng))
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            low, high, sub = arg
            high = min(high, low + _MAX_REPEAT) if high != sre_parse.MAXREPEAT else low + _MAX_REPEAT
            out.extend(_emit(sub, rng) for _ in range(rng.randint(low, max(low, high))))
        elif name == "SUBPATTERN":
            out.append(_emit(arg[-1], rng))
        elif name == "ATOMIC_GROUP":
            out.append(_emit(arg, rng))
        elif name == "BRANCH":
            out.append(_emit(rng.choice(arg[1]), rng))
        elif name == "AT":
            continue
        elif name == "CATEGORY":
            out.append(rng.choice(_CATEGORIES.get(str(arg), _ANY)))
        else:
            raise _Unsupported(name)
    return "".join(out)


def _in(items, rng) -> str:
    chars: list[str] = []
    negate = False
    for op, arg in items:
        name = str(op)
        if name == "NEGATE":
            negate = True
        elif name == "LITERAL":
            chars.append(chr(arg))
        elif name == "RANGE":
            low, high = arg
            chars.extend(chr(c) for c in range(low, min(high, low + 200) + 1))
        elif name == "CATEGORY":
            chars.extend(_CATEGORIES.get(str(arg), _ANY))
        else:
            raise _Unsupported(name)
    if negate:
        allowed = [c for c in _ANY if c not in chars]
        return rng.choice(allowed or ["~"])
    if not chars:
        raise _Unsupported("empty class")
    return rng.choice(chars)
