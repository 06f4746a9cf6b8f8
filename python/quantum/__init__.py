"""Quantum HFT: an educational crypto HFT research system with a compiled Rust core.

WARNING: this project is for education. Do not use it to trade real money.
"""

from __future__ import annotations

from quantum import errors

__all__ = ["errors"]
__version__ = "0.1.0"
