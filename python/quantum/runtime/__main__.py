"""``python -m quantum.runtime serve|user add``."""

from quantum.runtime.cli import app

app(prog_name="quantum")
