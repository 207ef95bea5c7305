"""The Redis connection and the RQ queues, as a Flask extension."""

from __future__ import annotations

from flask import Flask, current_app
from redis import Redis
from rq import Queue

# Queues by concern, so a flood of letters never delays a confirmation's retry budget or an
# export: a worker listens to them in this order. Tallies come first: they are short, and
# counts that wait behind a spike's confirmation emails would stand still during the spike.
QUEUE_NAMES = ("counts", "mail", "exports", "default")


class RedisQueues:
    def init_app(self, app: Flask) -> None:
        app.extensions["redis"] = Redis.from_url(
            app.config["REDIS_URL"], socket_connect_timeout=5, socket_timeout=30
        )

    @property
    def connection(self) -> Redis:
        return current_app.extensions["redis"]

    def queue(self, name: str) -> Queue:
        if name not in QUEUE_NAMES:
            raise ValueError(f"unknown queue {name!r}")
        return Queue(name, connection=self.connection)

    def all(self) -> list[Queue]:
        return [self.queue(name) for name in QUEUE_NAMES]
