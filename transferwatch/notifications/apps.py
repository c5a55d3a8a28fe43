from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "transferwatch.notifications"
    verbose_name = "Notifications (e-mail outbox)"
