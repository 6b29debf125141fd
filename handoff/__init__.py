"""hotline conversation server: FastAPI app, websocket channels, the live-agent queue, storage."""
