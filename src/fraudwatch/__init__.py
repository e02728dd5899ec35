"""fraudwatch: real-time fraud detection for bank transactions."""

__version__ = "0.1.0"
