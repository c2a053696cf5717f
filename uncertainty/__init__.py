"""Pure uncertainty estimators: samples in, dataclasses out."""
