# An exception group printed by the traceback module (as logging.exception
# does), which puts the "| " margin on every continuation line of a message:
# a margined continuation must stay private, even when it looks like a type.
import sys
import traceback

try:
    raise ExceptionGroup("CANARY_G\nCANARY_GLINE", [
        ValueError("CANARY_V\nCANARY_VLINE: looks like a type\nSystemLog: CANARY_FORGED"),
        TypeError("CANARY_T"),
    ])
except ExceptionGroup:
    traceback.print_exc()

