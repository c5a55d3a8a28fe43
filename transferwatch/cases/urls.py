from django.urls import path

from transferwatch.cases import views

urlpatterns = [
    path("allegations/", views.allegation_list, name="allegation_list"),
    path("allegations/new/", views.allegation_new, name="allegation_new"),
    path("allegations/report/", views.allegation_report, name="allegation_report"),
    path("allegations/<str:number>/", views.allegation_detail, name="allegation_detail"),
    path("allegations/<str:number>/reveal/", views.allegation_reveal, name="allegation_reveal"),
    path(
        "allegations/<str:number>/transfers/",
        views.allegation_transfer,
        name="allegation_transfer",
    ),
    path(
        "allegations/<str:number>/act/<slug:action>/",
        views.allegation_act,
        name="allegation_act",
    ),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment_download"),
    path("inquiries/", views.inquiry_list, name="inquiry_list"),
    path("inquiries/<str:number>/", views.inquiry_detail, name="inquiry_detail"),
    path("inquiries/<str:number>/act/<slug:action>/", views.inquiry_act, name="inquiry_act"),
    path("inquiries/<str:number>/entries/", views.inquiry_entry, name="inquiry_entry"),
    path(
        "inquiries/<str:number>/recommendations/",
        views.inquiry_recommendation,
        name="inquiry_recommendation",
    ),
]
