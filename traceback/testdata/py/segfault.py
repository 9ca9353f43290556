# A native crash with faulthandler on (as ML launchers set it): the dump lists
# every thread's frames; the arguments that led there stay private.
import ctypes
import faulthandler
import threading
import time

faulthandler.enable()
started = threading.Event()


def wait(secret):
    started.set()
    time.sleep(30)


threading.Thread(target=wait, args=("CANARY_THREAD",), daemon=True).start()
started.wait()


def crash(row):
    ctypes.string_at(0)


crash("CANARY_ROW")
