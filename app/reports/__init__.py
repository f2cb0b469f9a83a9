"""Reports CI uploads (coverage, lint): parsed, mapped onto a pull request's diff."""
