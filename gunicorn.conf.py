"""gunicorn settings for ``gunicorn wsgi:app`` (Procfile ``web:``).

Threaded workers (``gthread``): two processes per core plus one, ``GUNICORN_THREADS``
(default 4) request threads each. Most requests are short and wait on PostgreSQL, but an
M-Pesa payment waits on Daraja while the request is open (the STK push: up to 3 s to connect
and ``MPESA_READ_TIMEOUT_SECONDS``, 6, for the answer). With sync workers one slow Daraja
held a whole process and every request queued behind a few of them, USSD and payment
callbacks included; now it holds one thread, and the waiting thread gives up the GIL. The
processes still give the cores' parallelism (the USSD benchmark, bench/README.md, saw a
worse tail with fewer processes and more threads: threads of one process share one GIL).
Each thread may hold one database connection: WEB_CONCURRENCY x GUNICORN_THREADS per
instance, within SQLAlchemy's pool (5 + 10 overflow per process).

What the threads share is safe to share: the SQLAlchemy session is scoped per request, the
Daraja client builds once under a lock, keeps its OAuth token under a lock and gives each
thread its own HTTP session; the message catalogue loads under a lock.

USSD gateways allow 15 s per step and Daraja retries slow callbacks, so a request that takes
longer than ``timeout`` is a bug to kill, not to wait for.

Logs carry no secret: operator callback URLs hold ``CHANNEL_TOKEN`` as ``?token=``, and
gunicorn writes a request's raw URI when it errors or its worker is killed, and a malformed
request's raw request line. ``logger_class`` puts the redacting filter of
``app.core.log_redaction`` on gunicorn's error and access logs; the access log format
also leaves query strings out (they carry phone numbers too).

The ``Server`` header says ``safiri``, not gunicorn and its version: nothing to look up
in a list of known bugs.
"""
import multiprocessing
import os

import gunicorn.http.wsgi
from gunicorn.glogging import Logger

from app.config import refuse_unsafe_start
from app.core.log_redaction import redact_handlers

# In the master, before it binds or forks: an unsafe production environment ends here
# with one line per problem (the workers would refuse too, but noisily and once each).
refuse_unsafe_start()


class RedactingLogger(Logger):
    """gunicorn's logger with ``token=`` values redacted on every handler (see above)."""

    def setup(self, cfg):
        super().setup(cfg)  # also on reload (SIGHUP): the handlers are new, so filter again
        redact_handlers([*self.error_log.handlers, *self.access_log.handlers])


gunicorn.http.wsgi.SERVER = "safiri"  # read by each Response; the workers inherit it

bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '5000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = 30
graceful_timeout = 20
keepalive = 5
logger_class = RedactingLogger
accesslog = "-"
# No query strings in access logs: callback URLs carry ?token= and phone numbers.
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)ss'
errorlog = "-"
