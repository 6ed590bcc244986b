"""Property-based runs of hostile updates through the real Application (issue 15)."""
