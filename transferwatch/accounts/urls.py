from django.contrib.auth import views as auth_views
from django.urls import path

from transferwatch.accounts import second_factor, views

urlpatterns = [
    path("", views.home, name="home"),
    path("work/<slug:key>/", views.work_list, name="work_list"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            authentication_form=views.LoginForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("login/code/", second_factor.second_factor, name="second_factor"),
]
