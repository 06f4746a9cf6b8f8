"""The Quantum HFT service API (FastAPI): REST under ``/api``, the WebSocket at ``/ws``."""
