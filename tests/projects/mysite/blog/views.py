import asyncio
import time

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View

from blog.models import Post


def post_list(request):
    """A sync view rendering a template: runs on a worker thread under ASGI."""
    posts = Post.objects.all()[:50]
    return render(request, "blog/post_list.html", {"posts": posts})


def post_detail(request, pk):
    """A route with a parameter."""
    post = get_object_or_404(Post, pk=pk)
    return HttpResponse(post.title)


class PostApi(View):
    """An async class-based view using the async ORM."""

    async def get(self, request):
        posts = [
            {"id": post.pk, "title": post.title}
            async for post in Post.objects.all()[:100]
        ]
        return JsonResponse({"posts": posts})


async def post_count_sync_orm(request):
    """An async view calling the sync ORM: Django's guard raises."""
    return JsonResponse({"count": Post.objects.count()})


async def slow_report(request):
    """An async view that sleeps: it blocks the event loop."""
    time.sleep(0.12)
    return JsonResponse({"report": "done"})


async def health(request):
    """A trivial async view."""
    await asyncio.sleep(0)
    return JsonResponse({"ok": True})


def broken(request):
    """A view that raises."""
    raise ValueError("the report template is missing a column")


def old_home(request):
    """A redirect."""
    return redirect("post_list")


@login_required
def dashboard(request):
    """Login required: anonymous visitors are sent to the login page."""
    return HttpResponse("dashboard")
