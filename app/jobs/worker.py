"""The RQ worker of ``flask --app wsgi worker`` (Procfile ``worker:``): it outlives Redis.

RQ's own work loop quits on a Redis error it meets outside waiting for a job (after a
job, on a heartbeat, at start), and a quit worker was a dead one: nothing restarted it,
paid pushes stayed pending and SMS unsent. Here the loop is supervised: when RQ's loop
ends without being asked to stop, the worker waits for Redis with a capped exponential
backoff (``WORKER_RECONNECT_MAX_SECONDS``, one log line per attempt) and starts a fresh RQ
worker (a new registration, a new RQ scheduler for delayed retries). SIGTERM or SIGINT
still stop it: at once while it waits, after the current job while it works.

The worker listens to ``app.jobs.QUEUES`` in order, money first. A job that raises
``app.jobs.RetryLater`` (an expected retry: the SMS gateway busy) gets one INFO line,
not a traceback; RQ still retries it on ``RETRY_INTERVALS``.
"""
from __future__ import annotations

import logging
import os
import signal
import threading

from redis import Redis, RedisError
from rq import Queue, Worker

from app.jobs import QUEUES, RetryLater
from app.jobs.periodic import start_scheduler

log = logging.getLogger(__name__)

#: RQ's housekeeping (registries, reviving its scheduler process) runs this often, in
#: seconds, instead of RQ's 10 minutes: after an outage delayed retries resume soon.
MAINTENANCE_SECONDS = 60


class SafiriWorker(Worker):
    """RQ's forking worker, quiet about expected retries and aware of why it stopped."""

    stop_requested_by_signal = False

    def request_stop(self, signum, frame):
        self.stop_requested_by_signal = True
        super().request_stop(signum, frame)

    def handle_exception(self, job, *exc_info):
        exc = exc_info[1]
        if isinstance(exc, RetryLater):
            self.log.info("job %s will be retried: %s", job.id, exc)
            return
        super().handle_exception(job, *exc_info)

    def dequeue_job_and_maintain_ttl(self, timeout, max_idle_time=None):
        """RQ waits out a Redis outage here itself; afterwards its scheduler process (which
        dies on the first Redis error) is started again, so delayed retries go on."""
        result = super().dequeue_job_and_maintain_ttl(timeout, max_idle_time)
        scheduler = self.scheduler
        process = getattr(scheduler, "_process", None) if scheduler else None
        if scheduler is not None and (process is None or not process.is_alive()):
            try:
                scheduler.acquire_locks(auto_start=True)
            except RedisError as exc:
                self.log.warning("RQ scheduler not restarted yet (%s)", type(exc).__name__)
        return result


def backoff_delays(first: float, cap: float):
    """1, 2, 4 … seconds (from ``first``), never more than ``cap``, forever."""
    delay = first
    while True:
        yield min(delay, cap)
        delay = min(delay * 2, cap)


def wait_for_redis(connection: Redis, stop: threading.Event, first: float, cap: float) -> bool:
    """Ping until Redis answers (True) or a stop is asked for (False)."""
    for delay in backoff_delays(first, cap):
        if stop.is_set():
            return False
        try:
            connection.ping()
            return True
        except RedisError as exc:
            log.warning("worker: Redis unreachable (%s); next try in %.0fs", type(exc).__name__, delay)
        if stop.wait(delay):
            return False
    return False  # pragma: no cover - the generator never ends


def _stop_on_signals(stop: threading.Event) -> None:
    """Between two RQ workers nobody else handles SIGTERM/SIGINT: they end the wait."""
    def handler(signum, frame):
        log.info("worker: stop requested (%s)", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def run_worker(app, burst: bool = False) -> None:
    """Work the queues until asked to stop, reconnecting to Redis whenever it goes away."""
    url = app.config["REDIS_URL"]
    cap = float(app.config.get("WORKER_RECONNECT_MAX_SECONDS") or 30)
    connection = Redis.from_url(url, health_check_interval=30)
    app.extensions["jobs_pool_pid"] = os.getpid()  # work horses forked from here get fresh pools
    stop = threading.Event()
    if not burst:
        start_scheduler(app, stop=stop)
    while not stop.is_set():
        _stop_on_signals(stop)
        if not wait_for_redis(connection, stop, first=min(1.0, cap), cap=cap):
            break
        worker = SafiriWorker([Queue(name, connection=connection) for name in QUEUES], connection=connection,
                              maintenance_interval=MAINTENANCE_SECONDS)
        worker.max_connection_wait_time = cap  # RQ's own wait while idle, same cap
        try:
            worker.work(burst=burst, with_scheduler=True)
        except RedisError as exc:  # met while starting or stopping: the next round waits for Redis
            log.warning("worker: Redis lost (%s)", type(exc).__name__)
        if burst or worker.stop_requested_by_signal:
            break
        log.warning("worker: RQ's loop ended without a stop request; reconnecting")
    stop.set()  # the sweep scheduler thread ends with the worker
