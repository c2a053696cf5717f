"""Training the LoRA adapters (`python -m eval train-adapters`): data, states, fit, card."""
