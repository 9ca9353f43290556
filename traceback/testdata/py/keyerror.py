# A KeyError whose key has a multi-line repr (KeyError prints repr(key)), with
# a continuation that starts with the public prefix, raw non-UTF-8 bytes (the
# job writes Latin-1), an escape sequence and a bell.
import sys

sys.stderr.reconfigure(encoding="latin-1")


class Key:
    def __repr__(self):
        return "Key(CANARY_KEY\nSystemLog: CANARY_KEY_FORGED\n\xff\xfe\x1b[31mCANARY_BYTES\x07)"


customers = {}
customers[Key()]
