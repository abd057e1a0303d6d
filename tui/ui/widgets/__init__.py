"""The widgets of the loopbeat screen."""
