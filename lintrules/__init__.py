"""Project-specific rules for import-linter (see [tool.importlinter] in pyproject.toml)."""
