"""Background jobs, started only after the database transaction that caused them commits.

Why after commit: an SMS or a payment push must never go out for a change that was
rolled back, and must never be lost for one that committed (the row is the outbox; a
sweep re-queues anything left behind).

With ``REDIS_URL`` set, jobs go to an RQ queue (``flask --app wsgi worker``) with retries
and backoff, under a deterministic job id so that the same job is never queued twice.
Without it (development, most tests) they run inline, right after the commit, in a fresh
application context so they get their own database session.

Redis down is not the request's failure: the work committed, and its rows (an outbox
SMS, a pending payment) say what is still to do. A job that cannot be queued after the
commit is logged in one line and left to the sweep that looks at those rows
(``app.jobs.periodic``); the request answers what it did.
"""
from __future__ import annotations

import hashlib
import importlib
import logging
import re
from contextlib import contextmanager
from dataclasses import dataclass, field

from flask import current_app, has_app_context
from redis import RedisError
from rq import Queue, Retry
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.extensions import db, redis_for_web

log = logging.getLogger(__name__)

RETRY_INTERVALS = [10, 30, 120, 600, 1800]

#: The RQ queues, in the order a worker takes jobs from them: money first (STK polling,
#: hold expiry, payment resolution), so that it never waits behind an SMS backlog.
MONEY_QUEUE = "money"
DEFAULT_QUEUE = "default"
QUEUES = (MONEY_QUEUE, DEFAULT_QUEUE)

class RetryLater(Exception):
    """A job met a passing condition (a gateway down) and recorded it; RQ retries it.

    Expected, so the worker logs it in one line at INFO, without a traceback
    (``app.jobs.worker``); anything else a job raises is a bug and keeps its traceback.
    """

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
    queue: str = DEFAULT_QUEUE


def _resolve(func_path: str):
    module_name, _, attr = func_path.partition(":")
    return getattr(importlib.import_module(module_name), attr)


def run_job(func_path: str, *args, **kwargs):
    """Run a job and commit what it did (a sweep's or a job's domain work never commits
    itself); roll back and re-raise when it fails. A job that owns several transactions
    (the STK poller, a top-up) has committed each already: the final commit has nothing left.

    The one commit of the application outside ``app.extensions.unit_of_work``
    (``tests/core/test_one_commit_helper.py``). Not a unit of work because most jobs run
    units of work of their own (each STK query, each SMS send, the sandbox's confirmation),
    which a unit of work around them would refuse as nested; a single-transaction sweep
    that lost a race is simply run again at its next tick.
    """
    try:
        result = _resolve(func_path)(*args, **kwargs)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return result


def _check_queue(name: str) -> None:
    if name not in QUEUES:
        raise ValueError(f"unknown queue {name!r}: one of {', '.join(QUEUES)}")


def enqueue_after_commit(func_path: str, *args, job_id: str | None = None, queue: str = DEFAULT_QUEUE,
                         **kwargs) -> None:
    """Run ``module:function(*args)`` once the current transaction commits.

    Arguments must be plain values (ids, strings): the job reloads what it needs.
    ``queue`` is ``default`` or ``money`` (see ``QUEUES``).
    """
    _check_job_id(job_id)
    _check_queue(queue)
    session = db.session()
    session.info.setdefault("pending_jobs", []).append(PendingJob(func_path, args, kwargs, job_id, queue))


def enqueue(func_path: str, *args, job_id: str | None = None, queue: str = DEFAULT_QUEUE, **kwargs) -> None:
    """Run a job now (inline) or hand it to the queue, outside any transaction.

    Raises when Redis cannot take it: the caller (the sweep scheduler) tries again.
    """
    _check_job_id(job_id)
    _check_queue(queue)
    _dispatch(PendingJob(func_path, args, kwargs, job_id, queue))


def _queue(name: str = DEFAULT_QUEUE) -> Queue:
    app = current_app._get_current_object()
    queues = app.extensions.setdefault("rq_queues", {})
    if name not in queues:
        connection = app.extensions.get("rq_connection")
        if connection is None:
            connection = app.extensions["rq_connection"] = redis_for_web(app.config["REDIS_URL"])
        queues[name] = Queue(name, connection=connection)
    return queues[name]


def _dispatch(job: PendingJob) -> bool:
    """Queue ``job``, or run it now (inline): True when it ran here."""
    app = current_app._get_current_object()
    if app.config.get("REDIS_URL") and not app.config.get("JOBS_INLINE"):
        _queue(job.queue).enqueue(
            "app.jobs.runner.run", job.func_path, *job.args,
            job_id=job.job_id, retry=Retry(max=len(RETRY_INTERVALS), interval=RETRY_INTERVALS),
            _kwargs=job.kwargs or None,
        )
        return False
    with app.app_context():
        try:
            run_job(job.func_path, *job.args, **job.kwargs)
        except RetryLater as exc:  # recorded by the job; the sweep tries again
            log.info("inline job %s will be retried by its sweep: %s", job.func_path, exc)
        except Exception:  # an inline job failing must not fail the request that committed
            log.exception("inline job %s failed; the sweep will retry it", job.func_path)
    return True


def _hand_over(jobs: list[PendingJob]) -> bool:
    """Dispatch committed jobs one by one; nothing raised here may reach the request.
    True when one of them ran here (inline).

    An exception out of the after-commit hook would leave the session in its "committed"
    state with the request answering 500 (and its Idempotency-Key never completed) for
    work that is done. Each job is dispatched on its own, so one failure drops no other.
    """
    ran_here = False
    for index, job in enumerate(jobs):
        try:
            ran_here = _dispatch(job) or ran_here
        except RedisError as exc:  # the rest would wait on Redis too: not even tried
            names = ", ".join(f"{later.job_id or '-'} ({later.func_path})" for later in jobs[index:])
            log.warning("not queued, Redis unavailable (%s): %s; their sweeps will do them",
                        type(exc).__name__, names)
            return ran_here
        except Exception:
            log.exception("job %s (%s) not queued: its sweep will do it", job.job_id or "-", job.func_path)
    return ran_here


@contextmanager
def jobs_held():
    """Hold the jobs of every commit inside the block; hand them over, in order, at its end.

    Why: a channel that answers by SMS writes its reply after the use case has committed.
    A job of that commit (the sandbox provider confirming a payment at once, a worker
    quicker than the request) would write and send the ticket before the reply saying
    "enter your PIN" even exists. Holding the jobs until the reply is written keeps the
    messages in the order a person expects; ``deliver`` keeps sends in that order.
    """
    session = db.session()
    if "held_jobs" in session.info:  # already held by an outer block
        yield
        return
    session.info["held_jobs"] = []
    try:
        yield
    finally:
        if _hand_over(session.info.pop("held_jobs", [])):
            session.expire_all()  # inline jobs wrote in sessions of their own


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    jobs = session.info.pop("pending_jobs", None)
    if not jobs or not has_app_context():
        return
    held = session.info.get("held_jobs")
    if held is not None:
        held.extend(jobs)
        return
    if _hand_over(jobs):
        # An inline job changed rows in a session of its own (the sandbox settled a payment):
        # what this session kept loaded after its commit is older than the database now.
        session.expire_all()


@event.listens_for(Session, "after_soft_rollback")
def _drop_on_rollback(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:  # the outermost transaction rolled back
        session.info.pop("pending_jobs", None)
