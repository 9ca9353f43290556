# Allowed types (the test's Options.Allow) keep their message: a
# JSONDecodeError, then a type of the job's own whose message holds an escape
# sequence, a bell, a bidi override and a second line, none of which may reach
# a public line raw.
import json


class PublicDetail(Exception):
    pass


try:
    json.loads('{"CANARY_JSON\x1b[2J')
except ValueError as e:
    raise PublicDetail("step 3 of 5\x1b[2J\x07 done\u202e\nsecond line") from e
