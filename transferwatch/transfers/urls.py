from django.urls import path

from transferwatch.transfers import views

urlpatterns = [
    path("", views.transfer_list, name="transfer_list"),
    path("<int:pk>/", views.transfer_detail, name="transfer_detail"),
    path("<int:pk>/review/<str:action>/", views.transfer_act, name="transfer_act"),
    path("review/", views.review_queue, name="review_queue"),
    path("review/bulk/", views.review_bulk, name="review_bulk"),
    path("people/<int:pk>/", views.person_detail, name="person_detail"),
    path("people/<int:pk>/reveal/", views.person_reveal, name="person_reveal"),
]
