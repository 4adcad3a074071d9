"""Widgets: sidebar."""
