"""``dakkio-contract fuzz``: time-boxed fuzzing campaigns with Schemathesis' engine.

``fuzz [options]`` runs a campaign (``campaign.py``), ``fuzz replay FILE|DIR`` replays reproducers
(``replay.py``), ``fuzz merge DIR...`` joins the reports of shards (``report.py``).
"""

from __future__ import annotations


def main(argv: list[str] | None = None) -> int:
    import sys

    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "replay":
        from .replay import main as replay_main

        return replay_main(argv[1:])
    if argv and argv[0] == "merge":
        from .report import merge_main

        return merge_main(argv[1:])
    if argv and argv[0] == "run":
        argv = argv[1:]
    from .campaign import main as campaign_main

    return campaign_main(argv)
