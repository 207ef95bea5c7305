"""Where the tasks lived before 0.2, kept so that jobs already in Redis still run.

RQ stores a job's function by dotted name. Jobs queued by 0.1 (delayed retries, scheduled
reminders, the failed registry) name `campaigns.jobs.<module>.<task>`; each module here
re-exports those tasks from their feature's `tasks` module. Nothing in the application imports
this package. It is removed in 0.3 (docs/queue.md, "Task names").
"""
