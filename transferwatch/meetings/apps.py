from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "transferwatch.meetings"
    verbose_name = "Quarterly meetings"
