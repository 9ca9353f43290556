# A SyntaxError in the main script: no "Traceback" header.
total = compute("CANARY_SRC" +
