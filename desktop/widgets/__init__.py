"""Reusable widgets for the window's pages."""
