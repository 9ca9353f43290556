# An exception group with more sub-exceptions than Python prints.
raise ExceptionGroup("CANARY_MANY", [ValueError(f"CANARY_{i}") for i in range(20)])
