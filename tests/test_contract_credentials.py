"""The gate's wrong credentials (``contract_tests/gate/credentials.py``): per scheme, each outcome a
secured operation must refuse, built from the credential the gate was given."""

import base64
import random

from contract_tests.gate import credentials

API_KEY = {"type": "apiKey", "in": "header", "name": "X-API-Key"}
BASIC = {"type": "http", "scheme": "basic"}
BEARER = {"type": "http", "scheme": "bearer"}


def test_api_key_outcomes_keep_the_shape_of_the_good_key():
    good = "dakkio_r_" + "abc123" * 6 + "zz"
    wrong = credentials.wrong(API_KEY, good, random.Random(1))
    assert set(wrong) == set(credentials.outcomes(API_KEY)) == {"malformed", "unknown", "altered", "case_changed"}
    unknown, altered = wrong["unknown"].headers["X-API-Key"], wrong["altered"].headers["X-API-Key"]
    assert unknown.startswith("dakkio_r_") and len(unknown) == len(good) and unknown != good
    assert altered[:-1] == good[:-1] and altered != good          # only the last character differs


def test_basic_outcomes_keep_the_user():
    good = base64.b64encode(b"admin:secret").decode()
    wrong = credentials.wrong(BASIC, good, random.Random(1))
    decoded = {k: base64.b64decode(a.headers["Authorization"].split()[1]).decode()
               for k, a in wrong.items() if k != "malformed"}
    assert decoded["altered"] == "admin:secrea" and decoded["user_only"] == "admin"
    assert decoded["user_case_changed"] == "ADMIN:secret"
    assert decoded["unknown"].startswith("nobody:")


def test_bearer_outcomes():
    wrong = credentials.wrong(BEARER, "sk_demo0000", random.Random(1))
    assert wrong["altered"].headers["Authorization"] == "Bearer sk_demo0001"
    assert wrong["scheme_repeated"].headers["Authorization"] == "Bearer Bearer sk_demo0000"
    assert wrong["extra_token"].headers["Authorization"].startswith("Bearer sk_demo0000 ")
    assert set(wrong) == set(credentials.outcomes(BEARER))
