"""Diagnostics: the model, the catalogue of codes, and the renderers."""
