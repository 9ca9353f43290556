# A KeyError with a multi-line repr and non-UTF-8 bytes in the message.
import sys

customers = {}
key = ("CANARY_KEY\nSystemLog: CANARY_KEY_FORGED", b"\xff\xfe\x1b[31mCANARY_BYTES")
customers[key]
