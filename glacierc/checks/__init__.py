"""Rules, one module each (`glcNNN_<name>.py`, see rule.py), listed in code order by registry.py; checks
are pure functions from the IR to diagnostics. config.py and calls.py are helpers the frontend judges with."""
