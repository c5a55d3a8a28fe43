from django.urls import path

from transferwatch.search import views

urlpatterns = [path("", views.search, name="search")]
