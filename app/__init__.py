"""paasbot: one GitHub App for pull-request automation."""
