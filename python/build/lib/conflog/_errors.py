"""PublicError: an exception whose message is code, kept on public lines."""


class PublicError(Exception):
    """An exception whose message holds no customer data.

    Raise it (or a subclass) with a message built from constants and safe
    values; a public rendering keeps its message where every other type's is
    scrubbed. Its notes and its chain's messages are still scrubbed.
    """
