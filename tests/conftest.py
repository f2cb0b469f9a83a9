pytest_plugins = ["tests.db_fixtures", "tests.sim_fixtures"]
