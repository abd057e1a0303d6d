from datetime import UTC, datetime, timedelta

from django.core.management.base import BaseCommand

from blog.models import Post


class Command(BaseCommand):
    help = "Create some posts to list."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=500)

    def handle(self, *args, count, **options):
        start = datetime(2026, 1, 1, tzinfo=UTC)
        Post.objects.bulk_create(
            Post(
                title=f"Post {n}",
                body="text " * 50,
                published=start + timedelta(hours=n),
            )
            for n in range(count)
        )
        self.stdout.write(f"{count} posts")
