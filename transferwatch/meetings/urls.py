from django.urls import path

from transferwatch.meetings import views

urlpatterns = [
    path("", views.meeting_list, name="meeting_list"),
    path("new/", views.meeting_new, name="meeting_new"),
    path("<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("<int:pk>/edit/", views.meeting_edit, name="meeting_edit"),
    path("<int:pk>/print/", views.meeting_print, name="meeting_print"),
    path("<int:pk>/act/<slug:action>/", views.meeting_act, name="meeting_act"),
    path("<int:pk>/agenda/draft/", views.meeting_draft_agenda, name="meeting_draft_agenda"),
    path("<int:pk>/agenda/", views.meeting_agenda, name="meeting_agenda"),
    path("<int:pk>/attendees/", views.meeting_attendees, name="meeting_attendees"),
    path("<int:pk>/minutes/", views.meeting_minutes, name="meeting_minutes"),
    path("<int:pk>/action-items/", views.action_item_new, name="action_item_new"),
    path("<int:pk>/carry/", views.meeting_carry, name="meeting_carry"),
    path("action-items/<int:pk>/act/<slug:action>/", views.action_item_act, name="action_item_act"),
]
