"""Tests of the real-time scoring API."""
