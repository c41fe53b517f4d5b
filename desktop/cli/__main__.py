"""`python -m desktop.cli`: the roundtable command, for environments without the console script."""

from desktop.cli import run

run()
