"""Views of the web wallet, one module per page family."""
