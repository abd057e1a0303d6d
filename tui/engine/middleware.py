"""The project's middleware, class by class: how each runs under ASGI.

Django runs each class of ``MIDDLEWARE`` one of three ways when a request
comes in over ASGI (``django/core/handlers/base.py``, ``load_middleware``
and ``adapt_method_mode``; ``django/utils/deprecation.py``):

* **natively async**: it says ``async_capable`` and is a coroutine function,
  so it runs on the loop with no thread hop;
* **MiddlewareMixin**: sync- and async-capable, but its ``__acall__`` runs
  each ``process_request`` / ``process_response`` hook (and Django runs
  ``process_view`` / ``process_template_response`` / ``process_exception``)
  through ``sync_to_async``: one silent round trip per hook, per request;
* **sync-only**: ``async_capable`` is False, so Django adapts the handler
  below it once, and the whole stack below runs in one worker thread.

This is what the code says. What each costs is measured (``tui.engine.audit``):
the hops the requests made, by class, and the same request with the class
taken out.
"""

from dataclasses import dataclass

NATIVE = "natively async"
MIXIN = "MiddlewareMixin"
SYNC_ONLY = "sync-only"
BROKEN = "does not import"
ADAPTED = "the stack adapted to sync"
"""What the hop into a stack Django adapted to sync is counted under."""
HOOKS = (
    "process_request",
    "process_view",
    "process_template_response",
    "process_exception",
    "process_response",
)


@dataclass(frozen=True)
class MiddlewareClass:
    """One entry of ``MIDDLEWARE`` and how Django runs it under ASGI."""

    dotted: str
    """As written in the settings."""
    kind: str
    """``NATIVE``, ``MIXIN``, ``SYNC_ONLY`` or ``BROKEN``."""
    hooks: tuple[str, ...] = ()
    """The ``process_*`` hooks it defines: each a thread hop, for a mixin."""
    problem: str | None = None
    """Why it could not be read, for ``BROKEN``."""

    @property
    def name(self) -> str:
        """The class's own name: ``CsrfViewMiddleware``."""
        return self.dotted.rsplit(".", 1)[-1]


def classify(dotted: str) -> MiddlewareClass:
    """How Django runs the middleware ``dotted`` under ASGI, from its code."""
    from asgiref.sync import iscoroutinefunction
    from django.utils.deprecation import MiddlewareMixin
    from django.utils.module_loading import import_string

    try:
        middleware = import_string(dotted)
    except Exception as error:  # the project's to fix; said, not raised
        first = (str(error).strip().splitlines() or [""])[0]
        return MiddlewareClass(
            dotted, BROKEN, problem=f"{type(error).__name__}: {first}"
        )
    hooks = tuple(hook for hook in HOOKS if callable(getattr(middleware, hook, None)))
    if isinstance(middleware, type) and issubclass(middleware, MiddlewareMixin):
        return MiddlewareClass(dotted, MIXIN, hooks)
    if not getattr(middleware, "async_capable", False):
        return MiddlewareClass(dotted, SYNC_ONLY, hooks)
    # A function middleware marked async, or a class whose instances are
    # coroutine functions (Django checks the instance; the class tells too).
    call = middleware.__call__ if isinstance(middleware, type) else middleware
    if iscoroutinefunction(middleware) or iscoroutinefunction(call):
        return MiddlewareClass(dotted, NATIVE, hooks)
    return MiddlewareClass(dotted, MIXIN, hooks)


def project_middleware() -> list[MiddlewareClass]:
    """Every class of the project's ``MIDDLEWARE``, in order (Django set up)."""
    from django.conf import settings

    return [classify(dotted) for dotted in settings.MIDDLEWARE]


def hop_owner(caller: str) -> str | None:
    """The middleware class a hop's caller names, if it is one's.

    ``SessionMiddleware.process_request`` gives the class; the hop Django
    makes into a stack it adapted to sync (``SecurityMiddleware and below,
    adapted to sync``) gives ``ADAPTED``: a sync-only class caused it.
    """
    if caller.endswith(", adapted to sync"):
        return ADAPTED
    name, dot, method = caller.partition(".")
    if dot and method in HOOKS:
        return name
    return None


def hop_name(caller: str) -> str:
    """A hop's cause in a few words: its middleware class, or what Django ran."""
    owner = hop_owner(caller)
    if owner == ADAPTED:
        return caller  # "SecurityMiddleware and below, adapted to sync"
    if owner is not None:
        return owner
    if caller.endswith(".close"):
        return "response close"
    if caller == "BaseHandler._get_response_async":
        return "back to the loop for the view"
    return caller
