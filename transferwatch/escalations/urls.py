from django.urls import path

from transferwatch.escalations import views

urlpatterns = [
    path("", views.escalation_list, name="escalation_list"),
    path("new/", views.escalation_new, name="escalation_new"),
    path("<int:pk>/", views.escalation_detail, name="escalation_detail"),
    path("<int:pk>/edit/", views.escalation_edit, name="escalation_edit"),
    path("<int:pk>/act/<slug:action>/", views.escalation_act, name="escalation_act"),
    path("<int:pk>/letter/", views.escalation_letter, name="escalation_letter"),
    path("<int:pk>/letter.pdf", views.escalation_letter_pdf, name="escalation_letter_pdf"),
    path("measures/", views.measure_list, name="measure_list"),
    path("measures/new/", views.measure_new, name="measure_new"),
    path("measures/<int:pk>/", views.measure_detail, name="measure_detail"),
    path("measures/<int:pk>/act/<slug:action>/", views.measure_act, name="measure_act"),
    path("measures/<int:pk>/evidence/", views.measure_evidence_add, name="measure_evidence_add"),
    path(
        "measures/evidence/<int:pk>/",
        views.measure_evidence_download,
        name="measure_evidence_download",
    ),
]
