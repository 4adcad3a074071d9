"""Widgets of the segview app, grouped by the area of the screen they live in."""
