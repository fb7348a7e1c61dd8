"""Schemathesis hooks for a Mixpeek target: every request goes to this run's own namespace
(``MIXPEEK_CONTRACT_NAMESPACE``), so the fuzzer touches nothing else on the target and the suite can
delete all it created afterwards. ``before_call`` sees every phase's requests (examples, coverage,
fuzzing, stateful) and Schemathesis revalidates a case it changes. An empty ``X-Namespace`` (the one
invalid value: a negative case) is sent as generated; any other value, or none, becomes the run's."""

import os

import schemathesis


@schemathesis.hook
def before_call(context, case, kwargs):
    namespace = os.environ.get("MIXPEEK_CONTRACT_NAMESPACE")
    if not namespace:
        return
    headers = case.headers     # a dict, changed in place (Schemathesis then revalidates the case)
    if headers is None:
        return
    name = next((k for k in headers if k.lower() == "x-namespace"), "X-Namespace")
    if headers.get(name) != "":
        headers[name] = namespace
