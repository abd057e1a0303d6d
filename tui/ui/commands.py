"""The command palette's commands, made from the key bindings themselves.

Every binding with a description becomes a palette command with the same
action, so the palette and the keys cannot drift apart: add a binding and it
is in the palette too, its key and tooltip as the help line.
"""

from collections.abc import Awaitable, Callable, Iterator

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.dom import DOMNode
from textual.markup import escape


def binding_commands(app: App, *owners: DOMNode) -> Iterator[SystemCommand]:
    """One ``SystemCommand`` per described binding of ``owners``.

    Each runs its action in its owner's namespace, as the key would. The
    help line is escaped: the palette reads it as markup, and a key such as
    ``[s]`` would otherwise vanish or restyle the line.
    """
    seen: set[str] = set()
    for owner in owners:
        for binding in owner.BINDINGS:
            if isinstance(binding, Binding) and binding.action not in seen:
                seen.add(binding.action)
                command = _command(app, owner, binding)
                if command is not None:
                    yield command


def _command(app: App, owner: DOMNode, binding: Binding) -> SystemCommand | None:
    if not binding.description:
        return None
    key = binding.key_display or binding.key.split(",")[0]
    help_text = f"key {key}" + (f": {binding.tooltip}" if binding.tooltip else "")
    return SystemCommand(
        binding.description,
        escape(help_text),
        _runner(app, owner, binding.action),
    )


def _runner(app: App, owner: DOMNode, action: str) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        await app.run_action(action, default_namespace=owner)

    return run
