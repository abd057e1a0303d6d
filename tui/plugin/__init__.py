"""loopbeat in a test suite: a pytest plugin that fails the test whose code
blocked the loop, names the line and the cause, and never fails it for a busy
runner (``python -m pytest --loop-budget 50``; ``tui.plugin.pytest_loop``)."""
