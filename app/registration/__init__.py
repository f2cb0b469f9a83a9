"""Registering paasbot as a GitHub App by GitHub's app-manifest flow (`paasbot register`, and the
/setup page of `paasbot serve` without credentials): the manifest from app.yml, the local pages
that post it and receive the code, and the env file the credentials go to."""
