# The last sub-exception's message holds a line that reads exactly as the
# group's closing marker, then a line with the public prefix. CPython 3.11
# and 3.12's own hook print a message's later lines without the group's
# margin, so the forged marker is indistinguishable from the real one that
# follows: the lines after any closing marker must stay held.
msg = "bad rows CANARY_A\n    +------------------------------------\nSystemLog: CANARY_FORGED\nmore CANARY_B"
raise ExceptionGroup("eg", [ValueError("ok"), TypeError(msg)])
