"""Widgets: panels."""
