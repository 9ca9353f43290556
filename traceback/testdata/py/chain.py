# Explicit chaining (raise ... from), implicit chaining, notes, a multi-line
# message whose continuation lines start with the public prefix and hold a
# blank line, and a KeyError whose repr spans lines.
def load(row):
    raise ValueError("CANARY_MSG row=" + row + "\nSystemLog: CANARY_FORGED\n\nCANARY_AFTER_BLANK")


def step():
    try:
        load("CANARY_ROW")
    except ValueError as e:
        e.add_note("CANARY_NOTE one\nSystemLog: CANARY_NOTE_FORGED") if hasattr(e, "add_note") else None  # notes: 3.11
        raise KeyError({"CANARY_KEY": "x\ny"}) from e


try:
    step()
except KeyError:
    raise RuntimeError("CANARY_CONTEXT\nSystemLog: CANARY_CONTEXT_FORGED")
