"""Textual's footer, without the leak that would grow memory in a long talk."""

from textual.widgets import Footer as TextualFooter


class Footer(TextualFooter):
    """The key bar, pruning the watchers its old keys leave behind.

    Each recompose (every time the bindings change: a focus move, a panel
    opened) makes new ``FooterKey`` widgets that ``data_bind`` to the footer.
    Textual stores those watchers on the footer and prunes them only when the
    watched value changes, which ``compact`` never does, so every old key and
    whatever its bindings reach stays alive (Textual issue #6666; measured
    here at 66 leaked keys per tour lap, about 20 MB a minute in the soak).
    """

    async def recompose(self) -> None:
        await super().recompose()
        # Textual's own pruning rule (reactive.py), applied after each recompose.
        for entries in getattr(self, "__watchers", {}).values():
            entries[:] = [(node, cb) for node, cb in entries if not node._closing]
