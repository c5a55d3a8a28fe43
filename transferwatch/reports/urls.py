"""Internal report pages (signed in): quarterly packets and agency profiles."""

from django.urls import path

from transferwatch.reports import views

urlpatterns = [
    path("packets/", views.packet_list, name="packet_list"),
    path("packets/<int:pk>/", views.packet_detail, name="packet_detail"),
    path("packets/<int:pk>/packet.html", views.packet_file, {"kind": "html"}, name="packet_html"),
    path("packets/<int:pk>/packet.pdf", views.packet_file, {"kind": "pdf"}, name="packet_pdf"),
    path("agencies/<str:ori>/profile/", views.agency_profile, name="agency_profile"),
    path("agencies/<str:ori>/profile.pdf", views.agency_profile_pdf, name="agency_profile_pdf"),
]
