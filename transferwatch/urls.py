from django.urls import include, path

from transferwatch.api.views import api
from transferwatch.notifications.views import preferences

urlpatterns = [
    path("", include("transferwatch.accounts.urls")),
    path("agencies/", include("transferwatch.agencies.urls")),
    path("transfers/", include("transferwatch.transfers.urls")),
    path("audit/", include("transferwatch.audit.urls")),
    path("imports/", include("transferwatch.imports.urls")),
    path("monitoring/", include("transferwatch.monitoring.urls")),
    path("cases/", include("transferwatch.cases.urls")),
    path("discretion/", include("transferwatch.discretion.urls")),
    path("escalations/", include("transferwatch.escalations.urls")),
    path("meetings/", include("transferwatch.meetings.urls")),
    path("outbox/", include("transferwatch.notifications.urls")),
    path("account/notifications/", preferences, name="notification_preferences"),
    path("report/", include("transferwatch.cases.public_urls")),
    path("search/", include("transferwatch.search.urls")),
    path("public/", include("transferwatch.reports.public_urls")),
    path("reports/", include("transferwatch.reports.urls")),
    path("api/", api.urls),
    path("operations/", include("transferwatch.operations.urls")),
]
