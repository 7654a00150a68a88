"""A sample external Chapar plugin, installed with pip by Chapar's tests (tests/test_plugins_sample.py)."""
