"""Diagnostics: the model and the renderers (the catalogue of codes is glacierc/checks/catalogue.py)."""
