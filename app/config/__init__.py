"""`.paasbot.yml`: read safely, validated with file:line:column errors, merged across layers."""
