"""The engine: runs a target Django project's requests and records what they did.

No Textual and no demoapp: a ``Target`` says what to run against; the
in-process client, the ASGI wrapper and the database hooks record each
request out of band, for any project and any backend.
"""
