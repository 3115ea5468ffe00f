"""gunicorn settings for ``gunicorn wsgi:app`` (Procfile ``web:``).

Sync workers, two per core plus one: requests are short and mostly wait on PostgreSQL.
USSD gateways allow 15 s per step and Daraja retries slow callbacks, so a request that
takes longer than ``timeout`` is a bug to kill, not to wait for.
"""
import multiprocessing
import os

from app.config import refuse_unsafe_start

# In the master, before it binds or forks: an unsafe production environment ends here
# with one line per problem (the workers would refuse too, but noisily and once each).
refuse_unsafe_start()

bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '5000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = 30
graceful_timeout = 20
keepalive = 5
accesslog = "-"
# No query strings in access logs: callback URLs carry ?token= and phone numbers.
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)ss'
errorlog = "-"
