"""Onboarding: registering repositories with paasbot through one merged pull request."""
