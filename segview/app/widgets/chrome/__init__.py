"""Widgets: chrome."""
