"""`transferwatch db_worker`: django-tasks-db's worker, stopping gracefully on a deploy.

On SIGTERM, SIGINT or SIGQUIT while a task runs, the task is interrupted at once and its record
marked `interrupted` (`operations/shutdown.py`); between tasks the worker simply exits. On start
it marks the tasks a dead worker of this host left running.
"""

from __future__ import annotations

import signal
from argparse import ArgumentParser
from types import FrameType
from typing import Any

from django_tasks_db.management.commands import db_worker as base
from django_tasks_db.models import DBTaskResult

from transferwatch.operations import shutdown


class GracefulWorker(base.Worker):
    interrupted_by = ""

    def shutdown(self, signum: int, frame: FrameType | None) -> None:
        if self.running_task and self.running:
            self.running = False
            self.interrupted_by = signal.Signals(signum).name
            base.logger.warning(
                "received %s while a task runs: interrupting it", self.interrupted_by
            )
            raise shutdown.WorkerInterrupted(self.interrupted_by)
        super().shutdown(signum, frame)

    def run_task(self, db_task_result: DBTaskResult) -> None:
        super().run_task(db_task_result)  # records a WorkerInterrupted as the task's failure
        if self.interrupted_by:
            shutdown.after_interrupt(db_task_result, f"worker stopped by {self.interrupted_by}")


class Command(base.Command):
    help = base.Command.help + " (stops gracefully: interrupted work can be restarted)"

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.set_defaults(worker_id=shutdown.worker_id())

    def handle(self, *args: Any, **options: Any) -> None:
        swept = shutdown.sweep_stale()
        if swept:
            base.logger.warning("%d task(s) of a worker that ended marked interrupted", swept)
        original = base.Worker
        base.Worker = GracefulWorker  # type: ignore[misc]
        try:
            super().handle(*args, **options)
        finally:
            base.Worker = original  # type: ignore[misc]
