"""advisor: size serverless ML inference against a latency SLA at minimum price."""

__version__ = "0.1.0"
