"""The app\x27s screens."""
