"""Concurrent changes to one customer serialise on their row: simultaneous purchases never overspend."""

import threading
import time

import pytest
from django.db import OperationalError, connections

from apps.sandbox import demo
from apps.sandbox.sessionm.calls import call

BUYERS = 4


def _purchase_retrying_sqlite_locks(body: dict) -> dict:
    # SQLite's in-memory test database refuses a second writer at once ("database table is locked") where
    # PostgreSQL makes it wait on the row lock; retrying gives both engines the same observable outcome.
    for _ in range(500):
        try:
            return call("reward_store_purchase", body).body
        except OperationalError as exc:
            if "locked" not in str(exc):
                raise
            time.sleep(0.002)
    raise AssertionError("the database stayed locked")


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_simultaneous_purchases_never_overspend():
    user_id = call("user_create", {"user": {"external_id": "ext-race", "email": "race@example.com"}}).body["user"]["id"]
    call("points_deposit", {"user_id": user_id, "deposit_details": [{"amount": 500}]})  # 600: one Curly Fries
    body = {
        "user_id": user_id,
        "reward_store_id": demo.REWARD_STORE.id,
        "reward_store_offer_id": demo.REWARD_STORE.offers[0].id,
        "point_account_ids": [demo.REWARD_STORE.point_account_id],
    }
    start = threading.Barrier(BUYERS)
    outcomes = []

    def buy():
        try:
            start.wait()
            answer = _purchase_retrying_sqlite_locks(body)
            outcomes.append("ok" if answer["status"] == "ok" else answer["errors"]["code"])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=buy) for _ in range(BUYERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["insufficient_points"] * (BUYERS - 1) + ["ok"]
    balances = call("point_balances_get", {"user_id": user_id}).body["payload"]["summary"]
    assert balances["total_points"] == 100
    assert call("user_offers_get", {"user_id": user_id}).body["payload"]["total_records"] == 1
