"""Running the whole system locally: the process supervisor behind `fraudwatch up`."""

from fraudwatch.runtime.supervisor import Component, Policy, Supervisor, backoff_delay

__all__ = ["Component", "Policy", "Supervisor", "backoff_delay"]
