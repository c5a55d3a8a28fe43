"""`transferwatch backup create|verify|restore DIR`: the command lives in transferwatch/backup/.

Registered through the audit app (an installed app) until `transferwatch.backup` is one itself.
"""

from transferwatch.backup.command import Command

__all__ = ["Command"]
