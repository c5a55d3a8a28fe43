from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "transferwatch.search"
    verbose_name = "Search (the box in the page header)"
