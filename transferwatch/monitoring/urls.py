from django.urls import path

from transferwatch.monitoring import views

urlpatterns = [
    path("", views.monitoring_home, name="monitoring_home"),
    path("runs/<int:pk>/", views.run_detail, name="monitoring_run"),
]
