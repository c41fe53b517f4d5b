"""The one base class of refusals a person can act on, shown as one line by the CLI and the window."""


class Refusal(Exception):
    """A change refused for a reason the person can act on: a permission, a conflicting edit, a bad request.

    Raised whole before anything is written (or with the transaction rolled back); the command line prints
    it on one line and exits 1, the window shows it in a message."""
