"""The instrument: what the event loop did, measured, with the standard library only.

The heartbeat and its timed selector, stalls and the watchdog that catches
them, the causes of a slow loop (per-thread CPU and run-queue wait), who each
callback served, the bounded history, the on-disk archive, and the words a
measurement is said in. It imports neither Django nor Textual, so it can watch
any loop: the app's, a headless run's, a test's.
"""
