from django.urls import path

from blog import views

urlpatterns = [
    path("", views.post_list, name="post_list"),
    path("posts/<int:pk>/", views.post_detail, name="post_detail"),
    path("api/posts/", views.PostApi.as_view(), name="post_api"),
    path("api/count/", views.post_count_sync_orm, name="post_count"),
    path("report/", views.slow_report, name="slow_report"),
    path("health/", views.health, name="health"),
    path("broken/", views.broken, name="broken"),
    path("old/", views.old_home, name="old_home"),
    path("dashboard/", views.dashboard, name="dashboard"),
]
