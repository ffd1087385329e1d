"""Spiders of the syndtrack crawler: one, ``outlets``, driven by the outlet registry."""
