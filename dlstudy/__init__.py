"""dlstudy: deep-learning interview cards whose claims are proved by code that runs."""

__version__ = "0.1.0"
