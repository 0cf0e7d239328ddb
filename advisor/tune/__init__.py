"""``advisor tune``: memory and keep-warm for a latency SLA at the least monthly cost (issue 13)."""
