"""How a job reaches a worker, and survives the way there.

1. ``outbox.job_enqueue`` writes the job as an ``OutboxJob`` row in the transaction of the change
   that asks for it: the row commits with the change or not at all.
2. ``relay.job_send`` sends a message naming the row once that transaction has committed; a
   broker that cannot be reached is logged, never raised to the user whose change committed.
3. ``worker.job_task`` is what a Celery task runs: it takes a ``lease`` on the row (an owner and
   an expiry renewed by a heartbeat), runs the job and marks the row finished; a duplicate
   message for a finished or leased row does nothing.
4. ``retry`` tells a transient error (database connection, broker, timeout) from a real one and
   gives the backoff before the next try; after the limit the job fails for good (a service job
   then opens an incident saying how many tries were made).
5. ``sweep.jobs_sweep`` (Celery beat, ``manage.py sweep_jobs``) re-sends every row not taken in
   time and every row whose lease expired, so a lost message or a dead worker delays work and
   never loses it.
6. ``consumer.Consumer`` is the worker's Celery consumer: a broker that dies while a job runs
   does not end the worker, which reconnects once the broker is back.

Services import ``outbox``; only Celery task modules import ``worker``.
"""
