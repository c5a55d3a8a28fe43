from django.urls import path

from transferwatch.agencies import views

urlpatterns = [
    path("", views.agency_list, name="agency_list"),
    path("new/", views.agency_create, name="agency_create"),
    path("facilities/", views.facility_list, name="facility_list"),
    path("facilities/<int:pk>/", views.facility_detail, name="facility_detail"),
    path("<str:ori>/", views.agency_detail, name="agency_detail"),
    path("<str:ori>/edit/", views.agency_edit, name="agency_edit"),
]
