"""Background jobs, started only after the database transaction that caused them commits.

Why after commit: an SMS or a payment push must never go out for a change that was
rolled back, and must never be lost for one that committed (the row is the outbox; a
sweep re-queues anything left behind).

With ``REDIS_URL`` set, jobs go to an RQ queue (``flask --app wsgi worker``) with retries
and backoff, under a deterministic job id so that the same job is never queued twice.
Without it (development, most tests) they run inline, right after the commit, in a fresh
application context so they get their own database session.
"""
from __future__ import annotations

import hashlib
import importlib
import logging
import re
from dataclasses import dataclass, field

from flask import current_app, has_app_context
from redis import Redis
from rq import Queue, Retry
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.extensions import db

log = logging.getLogger(__name__)

RETRY_INTERVALS = [10, 30, 120, 600, 1800]

#: What RQ accepts as a job id (``rq.job.JOB_ID_PATTERN``); anything else raises at enqueue.
_VALID_JOB_ID = re.compile(r"[A-Za-z0-9_-]+")
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")
MAX_JOB_ID = 120


def job_id(*parts) -> str:
    """A valid, deterministic RQ job id from ``parts``: ``job_id("sms", 42) == "sms-42"``.

    Every job id the app builds goes through here. RQ refuses ids with anything but
    letters, digits, ``_`` and ``-`` (a dotted function path or a caller's key would crash
    the enqueue), so each unsafe run of characters becomes ``_``; when that changed
    anything (or the id is too long) a short digest of the original is appended, so two
    different keys never collapse onto one id (``a.b`` and ``a_b`` stay distinct).
    """
    if not parts:
        raise ValueError("job_id() needs at least one part")
    raw = "-".join(str(part) for part in parts)
    safe = _UNSAFE.sub("_", raw).strip("_-") or "job"
    if safe != raw or len(safe) > MAX_JOB_ID:
        digest = hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()[:12]
        safe = f"{safe[:MAX_JOB_ID - 13]}-{digest}"
    return safe


def _check_job_id(value: str | None) -> None:
    """Refuse a bad id where it is built, not later in the worker (inline runs never check)."""
    if value is not None and not (isinstance(value, str) and _VALID_JOB_ID.fullmatch(value)):
        raise ValueError(f"invalid job id {value!r}: build it with app.jobs.job_id()")


@dataclass
class PendingJob:
    func_path: str
    args: tuple
    kwargs: dict = field(default_factory=dict)
    job_id: str | None = None


def _resolve(func_path: str):
    module_name, _, attr = func_path.partition(":")
    return getattr(importlib.import_module(module_name), attr)


def enqueue_after_commit(func_path: str, *args, job_id: str | None = None, **kwargs) -> None:
    """Run ``module:function(*args)`` once the current transaction commits.

    Arguments must be plain values (ids, strings): the job reloads what it needs.
    """
    _check_job_id(job_id)
    session = db.session()
    session.info.setdefault("pending_jobs", []).append(PendingJob(func_path, args, kwargs, job_id))


def enqueue(func_path: str, *args, job_id: str | None = None, **kwargs) -> None:
    """Run a job now (inline) or hand it to the queue, outside any transaction."""
    _check_job_id(job_id)
    _dispatch(PendingJob(func_path, args, kwargs, job_id))


def _queue():
    app = current_app._get_current_object()
    queue = app.extensions.get("rq_queue")
    if queue is None:
        queue = Queue("default", connection=Redis.from_url(app.config["REDIS_URL"]))
        app.extensions["rq_queue"] = queue
    return queue


def _dispatch(job: PendingJob) -> None:
    app = current_app._get_current_object()
    if app.config.get("REDIS_URL") and not app.config.get("JOBS_INLINE"):
        _queue().enqueue(
            "app.jobs.runner.run", job.func_path, *job.args,
            job_id=job.job_id, retry=Retry(max=len(RETRY_INTERVALS), interval=RETRY_INTERVALS),
            _kwargs=job.kwargs or None,
        )
        return
    with app.app_context():
        try:
            _resolve(job.func_path)(*job.args, **job.kwargs)
        except Exception:  # an inline job failing must not fail the request that committed
            log.exception("inline job %s failed; the sweep will retry it", job.func_path)
            db.session.rollback()


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    jobs = session.info.pop("pending_jobs", None)
    if not jobs or not has_app_context():
        return
    for job in jobs:
        _dispatch(job)


@event.listens_for(Session, "after_soft_rollback")
def _drop_on_rollback(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:  # the outermost transaction rolled back
        session.info.pop("pending_jobs", None)
