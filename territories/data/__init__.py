"""Reference data files shipped with the application (see README.md)."""
