"""The project's URLconf walked into routes: path, view, sync or async."""

from tui.engine.routes import Route, _parameters, project_routes


def test_the_demos_routes_say_which_views_run_on_the_loop(demo_db) -> None:
    routes = {route.path: route for route in project_routes()}
    assert routes["/ping"].is_async and routes["/ping"].view == "demoapp.views.ping"
    assert routes["/sync/view"].kind == "sync"
    assert routes["/async/iterate"].kind == "async"


def test_parameters_come_from_converters_and_regex_groups() -> None:
    assert _parameters("posts/<int:pk>/") == ("pk",)
    assert _parameters("tags/<slug>/<path:rest>") == ("slug", "rest")
    assert _parameters(r"^archive/(?P<year>[0-9]{4})/$") == ("year",)
    assert _parameters(r"^old/([a-z]+)/$") == ("?",)
    assert _parameters("about/") == ()


def test_a_route_with_parameters_has_no_path_until_they_are_filled() -> None:
    with_pk = Route(
        "posts/<int:pk>/", "post_detail", "blog.views.detail", False, ("pk",)
    )
    assert with_pk.path is None
    assert Route("", "home", "blog.views.home", False).path == "/"
    assert Route(r"^about/$", None, "v", True).path == "/about/"
