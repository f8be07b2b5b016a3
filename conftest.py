"""pytest's plugins for the whole repository: the tests in tests/ and the notebooks nbval runs."""

pytest_plugins = [
    "tests.plugins.prerequisites",
    "tests.plugins.notebook_servers",
    "tests.plugins.schedule",
]
