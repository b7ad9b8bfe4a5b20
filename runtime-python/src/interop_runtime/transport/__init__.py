"""Transports move bytes between two peers and report close (docs/wire.md §8). The interface a
custom bus implements is `ByteTransport` (transport/base.py): read, write, drain, close."""
