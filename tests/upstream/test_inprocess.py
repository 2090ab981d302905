"""The in-process transport hands real requests to a WSGI app and honours the read timeout."""

import json
import time

import pytest
import requests

from apps.upstream.inprocess import READ_TIMEOUT_ENVIRON_KEY
from apps.upstream.session import build_session

seen = {}


def echo_app(environ, start_response):
    body = environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"] or 0))
    seen.update(
        method=environ["REQUEST_METHOD"],
        path=environ["PATH_INFO"],
        query=environ["QUERY_STRING"],
        auth=environ.get("HTTP_AUTHORIZATION"),
        content_type=environ.get("CONTENT_TYPE"),
        body=body,
        read_timeout=environ[READ_TIMEOUT_ENVIRON_KEY],
    )
    start_response("201 Created", [("Content-Type", "application/json"), ("X-RateLimit-Remaining", "7")])
    return [json.dumps({"message": "success"}).encode()]


def slow_app(environ, start_response):
    time.sleep(environ[READ_TIMEOUT_ENVIRON_KEY] + 0.05)
    start_response("200 OK", [("Content-Type", "application/json")])
    return [b"{}"]


def session_for(app_name):
    return build_session(inprocess_base="http://sandbox.inprocess", inprocess_app=f"{__name__}.{app_name}")


def test_request_reaches_the_app_with_method_path_headers_and_body():
    response = session_for("echo_app").post(
        "http://sandbox.inprocess/braze/campaigns/trigger/send?x=1",
        json={"campaign_id": "c"},
        headers={"Authorization": "Bearer k"},
        timeout=(1, 3),
    )
    assert response.status_code == 201
    assert response.json() == {"message": "success"}
    assert response.headers["x-ratelimit-remaining"] == "7"
    assert seen["method"] == "POST"
    assert seen["path"] == "/braze/campaigns/trigger/send"
    assert seen["query"] == "x=1"
    assert seen["auth"] == "Bearer k"
    assert seen["content_type"] == "application/json"
    assert json.loads(seen["body"]) == {"campaign_id": "c"}
    assert seen["read_timeout"] == 3


def test_an_answer_slower_than_the_read_timeout_is_a_read_timeout():
    with pytest.raises(requests.ReadTimeout):
        session_for("slow_app").get("http://sandbox.inprocess/x", timeout=(0.1, 0.1))


def test_other_hosts_are_not_served_in_process():
    with pytest.raises(requests.ConnectionError):
        session_for("echo_app").get("http://127.0.0.1:9/x", timeout=(0.2, 0.2))
