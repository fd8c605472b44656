"""Shared build-time code for Markov Lens recipes: tokenizers, model definitions, ONNX export."""
