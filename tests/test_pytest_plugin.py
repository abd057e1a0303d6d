"""The pytest plugin, run on test suites of its own (``pytester``)."""

import json
import textwrap
from pathlib import Path

import jsonschema
import pytest

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((ROOT / "tui" / "output" / "report.schema.json").read_text())
INI = """
[pytest]
asyncio_mode = auto
asyncio_default_fixture_loop_scope = function
"""


@pytest.fixture
def suite(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> pytest.Pytester:
    pytester.makefile(".ini", pytest=INI)
    # The snapshot plugin keeps this session's files in a directory named by
    # this variable; an inner session that ran it would delete them.
    monkeypatch.delenv("TEXTUAL_SNAPSHOT_TEMPDIR", raising=False)
    # This suite's Django is the demo's; a suite here picks its own.
    monkeypatch.delenv("DJANGO_SETTINGS_MODULE", raising=False)
    return pytester


ISOLATED = ("-p", "no:cacheprovider", "-p", "no:textual-snapshot", "-p", "no:syrupy")
WITHOUT_PYTEST_DJANGO = ("-p", "no:django")


def run(suite: pytest.Pytester, source: str, *args: str) -> pytest.RunResult:
    """The suite run in a process of its own, as a project's CI would run it."""
    suite.makepyfile(test_it=textwrap.dedent(source))
    return suite.runpytest_subprocess(*ISOLATED, *args)


def test_a_blocking_call_in_an_async_test_fails_and_names_its_line(suite) -> None:
    result = run(
        suite,
        """
        import asyncio, time

        async def test_blocks():
            time.sleep(0.2)

        async def test_awaits():
            await asyncio.sleep(0.2)
        """,
        "--loop-budget",
        "50",
    )
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*blocked the loop 2* ms (budget 50 ms): "
            "time.sleep(0.2) at test_it.py:4 in test_blocks*"
        ]
    )
    assert "tui/" not in result.stdout.str().split("FAILURES")[1].split("short test")[0]


def test_cpu_work_on_the_loop_fails_as_working(suite) -> None:
    result = run(
        suite,
        """
        import time

        async def test_spins():
            until = time.perf_counter() + 0.3
            while time.perf_counter() < until:
                pass
        """,
        "--loop-budget",
        "50",
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*froze the loop * working (budget 50 ms): * at test_it.py:5 in test_spins*"]
    )


def test_asyncio_run_inside_a_sync_test_is_watched_too(suite) -> None:
    result = run(
        suite,
        """
        import asyncio, time

        def test_runs_a_loop():
            async def main():
                time.sleep(0.15)
            asyncio.run(main())
        """,
        "--loop-budget",
        "50",
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*blocked the loop * at test_it.py:5 in main*"])


def test_off_unless_asked_and_a_marker_asks_for_one_test(suite) -> None:
    result = run(
        suite,
        """
        import time
        import pytest

        async def test_unwatched():
            time.sleep(0.1)

        @pytest.mark.loop_budget(ms=30)
        async def test_watched():
            time.sleep(0.1)
        """,
    )
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        ["*blocked the loop*(budget 30 ms)*", "FAILED test_it.py::test_watched*"]
    )


def test_allow_blocking_exempts_with_its_reason_in_the_report(suite) -> None:
    result = run(
        suite,
        """
        import time
        import pytest

        @pytest.mark.allow_blocking(reason="the legacy client is sync")
        async def test_legacy():
            time.sleep(0.1)
        """,
        "--loop-budget",
        "50",
        "--loop-report",
        "loop.json",
    )
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        [
            "exempt: test_it.py::test_legacy: "
            "allowed to block (the legacy client is sync)*",
            "loopbeat: 0 within budget, 0 over budget, 0 unmeasured, 1 exempt",
        ]
    )
    data = json.loads((suite.path / "loop.json").read_text())
    jsonschema.validate(data, SCHEMA)
    (test,) = data["tests"]
    assert (
        test["outcome"] == "exempt"
        and test["exempt_reason"] == "the legacy client is sync"
    )
    assert test["worst_stall"]["cause"] == "blocked"


def test_starvation_is_reported_with_the_thread_and_does_not_fail(
    suite, demo_db
) -> None:
    # The async ORM's way: sync ORM code building many model instances in
    # sync_to_async. The GIL is shared by design: reported, not failed.
    suite.makeconftest(
        f"""
        from pathlib import Path
        from demoapp.bootstrap import configure_django

        def pytest_configure(config):
            configure_django(Path({str(demo_db)!r}))
        """
    )
    result = run(
        suite,
        """
        from asgiref.sync import sync_to_async
        from demoapp.models import Book

        def every_book():
            # Built and freed on the worker: freeing 100,000 models on the
            # loop is the loop's own work (~30 ms), a freeze right at this
            # test's budget, and this test is about the starvation.
            return len(list(Book.objects.all()))

        async def test_fetches():
            assert await sync_to_async(every_book)() > 1000
        """,
        *WITHOUT_PYTEST_DJANGO,
        "--loop-budget",
        "30",
        "--loop-report",
        "loop.json",
    )
    result.assert_outcomes(passed=1)
    (test,) = json.loads((suite.path / "loop.json").read_text())["tests"]
    assert test["outcome"] in ("pass", "unmeasured")
    if test["outcome"] == "pass":
        assert test["starved"] is not None, test
        assert "ThreadPoolExecutor" in test["starved"]["thread"], test
    with_failure = suite.runpytest_subprocess(
        *ISOLATED, *WITHOUT_PYTEST_DJANGO, "--loop-budget", "30", "--loop-fail-starved"
    )
    if test["outcome"] == "pass" and test["starved"]["ms"] > 30:
        with_failure.assert_outcomes(failed=1)


def test_a_busy_machine_is_unmeasured_unless_strict(suite) -> None:
    # The machine's part of a stall, injected: the loop queued for a CPU for
    # nine tenths of it. A busy runner must not fail a test.
    suite.makeconftest(
        """
        from tui.instrument.loopstats import CauseSplit
        from tui.instrument.stallcauses import StallCauses

        def machine_busy(self, caught, duration):
            return CauseSplit(blocked=0.1 * duration, queued=0.9 * duration), None

        StallCauses.explain = machine_busy
        """
    )
    source = """
        import time

        async def test_blocks():
            time.sleep(0.15)
    """
    result = run(suite, source, "--loop-budget", "50")
    result.assert_outcomes(passed=1, warnings=1)
    result.stdout.fnmatch_lines(
        ["unmeasured: test_it.py::test_blocks: *the machine took most of it*"]
    )
    # In a process of its own too: the conftest's patch would outlive an
    # in-process run and make every later stall of this suite the machine's.
    strict = suite.runpytest_subprocess(
        *ISOLATED, "--loop-budget", "50", "--loop-strict"
    )
    strict.assert_outcomes(failed=1)


def test_a_view_that_blocks_fails_the_test_that_requests_it_with_the_views_line(
    suite,
) -> None:
    # Django's AsyncClient against a view of the project: the line named is
    # the view's, never Django's, pytest's or the plugin's. In a process of
    # its own: this suite's Django is the demo's.
    suite.makepyfile(
        conftest="""
        import django
        from django.conf import settings

        def pytest_configure(config):
            settings.configure(
                ROOT_URLCONF="shop.urls", ALLOWED_HOSTS=["testserver"],
                INSTALLED_APPS=[], DATABASES={}, MIDDLEWARE=[],
            )
            django.setup()
        """
    )
    suite.mkpydir("shop")
    (suite.path / "shop" / "views.py").write_text(
        textwrap.dedent(
            """
            import time
            from django.http import JsonResponse

            async def items(request):
                time.sleep(0.12)
                return JsonResponse({"items": []})
            """
        )
    )
    (suite.path / "shop" / "urls.py").write_text(
        "from django.urls import path\nfrom shop.views import items\n"
        "urlpatterns = [path('items/', items)]\n"
    )
    suite.makepyfile(
        test_shop="""
        from django.test import AsyncClient

        async def test_items():
            response = await AsyncClient().get("/items/")
            assert response.status_code == 200
        """
    )
    result = suite.runpytest_subprocess(
        *ISOLATED, *WITHOUT_PYTEST_DJANGO, "--loop-budget", "50"
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*blocked the loop * (budget 50 ms): "
            "time.sleep(0.12) at shop/views.py:6 in items*"
        ]
    )


def test_pytest_djangos_async_client_and_database_are_watched(suite) -> None:
    # As Django teams run their suites: pytest-django, its settings option,
    # its async_client fixture and a test database.
    suite.makepyfile(
        shopsettings="""
        SECRET_KEY = "tests"
        ROOT_URLCONF = "shopurls"
        INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth"]
        DATABASES = {
            "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}
        }
        ALLOWED_HOSTS = ["testserver"]
        USE_TZ = True
        """,
        shopurls="""
        import time
        from django.contrib.auth.models import User
        from django.http import JsonResponse
        from django.urls import path

        async def users(request):
            count = await User.objects.acount()
            time.sleep(0.12)
            return JsonResponse({"users": count})

        urlpatterns = [path("users/", users)]
        """,
    )
    result = run(
        suite,
        """
        import pytest

        @pytest.mark.django_db
        async def test_users(async_client):
            response = await async_client.get("/users/")
            assert response.status_code == 200
        """,
        "--ds",
        "shopsettings",
        "--loop-budget",
        "50",
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*blocked the loop * (budget 50 ms): "
            "time.sleep(0.12) at shopurls.py:8 in users*"
        ]
    )


def test_a_stall_is_the_test_its_own_never_the_next_ones(suite) -> None:
    # One watchdog serves the session; a stall it is still explaining when a
    # test ends is waited for, never handed to the test after it.
    result = run(
        suite,
        """
        import asyncio, time

        async def test_1_blocks():
            time.sleep(0.15)

        async def test_2_awaits():
            await asyncio.sleep(0.01)

        async def test_3_blocks_again():
            time.sleep(0.15)

        async def test_4_awaits():
            await asyncio.sleep(0.01)
        """,
        "--loop-budget",
        "50",
    )
    result.assert_outcomes(passed=2, failed=2)
    result.stdout.fnmatch_lines(
        ["FAILED test_it.py::test_1_blocks*", "FAILED test_it.py::test_3_blocks_again*"]
    )


def test_a_freeze_with_no_line_of_the_project_names_none_as_the_culprit() -> None:
    # The loop freeing a large result has only asyncio's frames on its stack:
    # "froze the loop 31.8 ms working: at asyncio/base_events.py:607 in
    # run_forever" blamed the framework, which is never the culprit.
    from tui.instrument.loopstats import CauseSplit, Stall
    from tui.plugin.judge import describe

    innermost = "asyncio/base_events.py:607 in run_forever"
    stall = Stall(0.0, 0.0318, None, innermost, (), split=CauseSplit(working=0.0318))
    text = describe(stall, 0.030)
    assert text.startswith("froze the loop 31.8 ms working (budget 30 ms): no line")
    assert f"(innermost: {innermost})" in text and " at asyncio" not in text
