"""Model registry (registry.py) and the kinds that follow the model contract (DESIGN.md)."""
