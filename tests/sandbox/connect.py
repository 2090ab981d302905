"""Reading the SessionM emulator's Connect answers in tests (offers and incentives share the envelope)."""

import json


def answer(response):
    return response.status, json.loads(response.encode())


def ok(response):
    status, body = answer(response)
    assert (status, body["status"]) == (200, "ok"), body
    return body["payload"]


def refused(response, code, *, kind="validation"):
    status, body = answer(response)
    assert (status, body["status"], body["errors"]["code"]) == (200, "error", code), body
    assert body["errors"]["type"] == kind
    return body["errors"]
