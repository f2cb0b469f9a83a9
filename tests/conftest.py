import pytest

pytest_plugins = [
    "tests.db_fixtures",
    "tests.sim_fixtures",
    "tests.e2e_world",
    "tests.dashboard_world",
]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "nonconforming: the test sends requests that GitHub's OpenAPI description does not "
        "allow, on purpose; the simulator's responses are still checked",
    )
