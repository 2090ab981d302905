"""What every app shares, below all of them: the domain errors (their stable codes, HTTP statuses and the one
translated text of each code) and the one mapping of an upstream failure to them. It imports no app of ours
(pyproject.toml [tool.importlinter]), so the API, the web wallet, the domain and the clients may all use it."""
