# RecursionError: "[Previous line repeated N more times]".
def descend(secret):
    return descend(secret + "CANARY_REC")


descend("CANARY_ARG")
