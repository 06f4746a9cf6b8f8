"""``python -m quantum.cli``: the same as the ``quantum`` command."""

from quantum.cli import app

app()
