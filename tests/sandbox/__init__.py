"""Offline stand-in for AWS used by the tests and the demo; the collection never imports it."""
