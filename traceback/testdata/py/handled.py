# A handled exception printed with traceback.print_exc(), then the job goes on
# printing prefixed lines on the same stream: the gate must hold them (the
# message may go on), and they must never carry the message's bytes.
import sys
import traceback

try:
    raise OSError(5, "CANARY_OS\nSystemLog: CANARY_OS_FORGED")
except OSError:
    traceback.print_exc()
print("SystemLog: epoch 2 loss=0.25", file=sys.stderr)
