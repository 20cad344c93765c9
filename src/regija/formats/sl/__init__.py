"""Slovenian formats."""
