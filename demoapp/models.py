"""A small library schema with relations, so N+1 against prefetch can be shown."""

from django.db import models

GENRES = (
    "fantasy",
    "history",
    "mystery",
    "poetry",
    "romance",
    "science",
    "thriller",
    "travel",
)


class Author(models.Model):
    """Someone who wrote books."""

    name = models.CharField(max_length=100)
    country = models.CharField(max_length=60)
    born = models.IntegerField()

    def __str__(self) -> str:
        return self.name


class Book(models.Model):
    """A book; the big table the fetch patterns read."""

    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="books")
    title = models.CharField(max_length=200)
    isbn = models.CharField(max_length=20)
    genre = models.CharField(max_length=40, choices=[(g, g) for g in GENRES])
    published = models.IntegerField()
    pages = models.IntegerField()
    price_cents = models.IntegerField()

    def __str__(self) -> str:
        return self.title


class Review(models.Model):
    """A reader's review of a book."""

    book = models.ForeignKey(Book, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.CharField(max_length=100)
    rating = models.IntegerField()
    body = models.TextField()

    def __str__(self) -> str:
        return f"{self.rating}/5 by {self.reviewer}"
