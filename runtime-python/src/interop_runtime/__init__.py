"""interop runtime for Python."""
