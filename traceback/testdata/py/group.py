# Nested exception groups: one raised (with its own traceback), one not, a
# sub-exception with a multi-line message, and a cause that was never raised.
class CanaryError(Exception):
    pass


def inner():
    raise ExceptionGroup("CANARY_INNER", [ValueError("CANARY_V"), KeyError("CANARY_K")])


def outer():
    try:
        inner()
    except ExceptionGroup as e:
        raise ExceptionGroup("CANARY_OUTER", [
            e,
            TypeError("CANARY_T\nSystemLog: CANARY_T_FORGED"),
            CanaryError(2, "CANARY_ARGS"),
        ])


outer()
