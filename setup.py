"""Ships the top-level `rules/` folder (the built-in presets) as the package data `app.presets`;
pyproject.toml alone cannot map a folder outside the package into it."""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["app*"]), "app.presets"],
    package_dir={"app.presets": "rules"},
)
