"""Reviewer assignment: who may review a pull request, and whom to request."""
