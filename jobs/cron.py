"""The ``rq cron jobs.cron`` table (Procfile ``cron``). Times come from the due-work
runner, which reads the database: a missed tick is caught up by the next one."""

from rq import cron

from jobs.tasks import run_due_work, top_up_sessions

QUEUE = "frontdesk"

cron.register(run_due_work, queue_name=QUEUE, interval=60, name="due-work")
cron.register(top_up_sessions, queue_name=QUEUE, cron="15 * * * *", name="top-up-sessions")
