# A job wraps what its crashed worker printed into its own exception's
# message: a real exception group's trace and a real faulthandler dump, each
# followed by a line the worker printed with the public prefix. Both are the
# message's lines, so the gate must hold them whatever the embedded traces
# look like, even after their own end (the group's closing marker, the dump's
# last line).
import subprocess
import sys
import traceback

worker = r'''
import faulthandler, traceback, ctypes, sys
try:
    raise ExceptionGroup("CANARY_EG", [ValueError("CANARY_V")])
except NameError:
    pass
except BaseException as e:
    traceback.print_exc()
print("SystemLog: CANARY_AFTER_GROUP", file=sys.stderr, flush=True)
faulthandler.enable()
ctypes.string_at(0)
'''
p = subprocess.run([sys.executable, "-c", worker], capture_output=True, text=True)
if "Fatal Python error" not in p.stderr:
    sys.exit("the worker did not crash as planned:\n" + p.stderr)
if sys.version_info >= (3, 11) and "Exception Group Traceback" not in p.stderr:
    sys.exit("the worker printed no exception group:\n" + p.stderr)
raise RuntimeError("worker CANARY_W crashed:\n" + p.stderr + "SystemLog: CANARY_AFTER_DUMP")
