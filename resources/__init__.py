"""Data shipped with the app: the codebook, demo content, icons and stylesheet."""

from pathlib import Path

RESOURCES = Path(__file__).resolve().parent


def resource_path(name: str) -> Path:
    """The path of a file shipped in resources/."""
    return RESOURCES / name
